export { cachedBuild } from './content-cache.js';
export { assetPath, defaultCacheDir, packageRoot } from './assets.js';
