/**
 * The fault manager as a module of its own (`fm`), created first so every
 * later module can reach it; others call it through core's `faults()`, so
 * they work unchanged without it.
 */
import { FM_SERVICE, type StrataModule } from '../../core/index.js';
import { fmMigrations } from './migrations.js';
import { FaultManager } from './fault-manager.js';
import { fmApi, FM_API_PREFIX } from './api.js';
import { registerFmMetrics } from './metrics.js';
import { watchTasks } from './task-alarms.js';

export const fmModule: StrataModule = {
  name: 'fm',
  migrations: fmMigrations,
  async create(ctx) {
    const fm = new FaultManager(ctx.store);
    await fm.init();
    ctx.services.provide(FM_SERVICE, fm);
    registerFmMetrics(ctx.metrics, fm);
    watchTasks(ctx.tasks, fm);
    return { mounts: [{ prefix: FM_API_PREFIX, plugin: fmApi(fm) }] };
  },
};

export { FaultManager } from './fault-manager.js';
export { ALARMS, alarmDefinition } from './catalog.js';
export type { AlarmDefinition } from './catalog.js';
