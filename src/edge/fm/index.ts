/**
 * The fault manager as a module of its own (`fm`), created first so every
 * later module can reach it; others call it through core's `faults()`, so
 * they work unchanged without it.
 */
import { FM_SERVICE, InvalidInputError, type StrataModule } from '../../core/index.js';
import { fmMigrations } from './migrations.js';
import { FaultManager } from './fault-manager.js';
import { fmApi, FM_API_PREFIX } from './api.js';
import { registerFmMetrics } from './metrics.js';
import { watchTasks } from './task-alarms.js';
import { StoreWatch } from './store-watch.js';

export const fmModule: StrataModule = {
  name: 'fm',
  migrations: fmMigrations,
  async create(ctx) {
    const fm = new FaultManager(ctx.store);
    await fm.init();
    ctx.services.provide(FM_SERVICE, fm);
    registerFmMetrics(ctx.metrics, fm);
    watchTasks(ctx.tasks, fm);
    const seconds = Number(ctx.config.options.fmStoreCheckInterval ?? 10);
    if (!Number.isFinite(seconds) || seconds < 0) throw new InvalidInputError(`--fm-store-check-interval must be a number of seconds, 0 to disable (got "${String(ctx.config.options.fmStoreCheckInterval)}")`);
    const watch = new StoreWatch(ctx.store, fm, ctx.log, seconds * 1000);
    return {
      mounts: [{ prefix: FM_API_PREFIX, plugin: fmApi(fm) }],
      async start() {
        watch.start();
      },
      async stop() {
        watch.stop();
      },
    };
  },
};

export { FaultManager } from './fault-manager.js';
export { ALARMS, alarmDefinition } from './catalog.js';
export type { AlarmDefinition } from './catalog.js';
