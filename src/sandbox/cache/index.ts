export { assetPath, defaultCacheDir } from './assets.js';
