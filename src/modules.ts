import type { StrataModule } from './core/index.js';

/**
 * The modules the all-in-one server runs, in creation order (later ones may
 * use earlier ones' services). Each loads only when asked for, so a server
 * started with `--modules metal` carries no other module's code.
 */
const loaders: Record<string, () => Promise<StrataModule>> = {
  // First, so every module after it can raise alarms from its create() on.
  fm: async () => (await import('./edge/fm/index.js')).fmModule,
  site: async () => (await import('./site/index.js')).siteModule,
  metal: async () => (await import('./metal/index.js')).metal,
  sandbox: async () => (await import('./sandbox/index.js')).sandboxModule,
  accel: async () => (await import('./accel/index.js')).accelModule,
  gate: async () => (await import('./gate/index.js')).gateModule,
  edge: async () => (await import('./edge/index.js')).edgeModule,
  // Last: the dashboard probes the other modules' APIs.
  web: async () => (await import('./web/index.js')).webModule,
};

export const MODULE_NAMES = Object.keys(loaders);

/** The named modules (default: all), in creation order; an unknown name is an error listing the known ones. */
export async function loadModules(names: readonly string[] = MODULE_NAMES): Promise<StrataModule[]> {
  const unknown = names.filter((n) => !(n in loaders));
  if (unknown.length || names.length === 0) {
    throw new Error(`--modules: unknown module ${unknown.join(', ') || '(none given)'} (known: ${MODULE_NAMES.join(', ')})`);
  }
  return Promise.all(MODULE_NAMES.filter((n) => names.includes(n)).map((n) => loaders[n]!()));
}
