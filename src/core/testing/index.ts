/** Test support shared by every module's tests (never imported by production code). */
export { startPostgres } from './postgres.js';
export type { PostgresCluster } from './postgres.js';
export { freePort } from './ports.js';
export { storesUnderTest } from './stores.js';
export { until } from './until.js';
