export { openStore, redactUrl } from './database.js';
export type { Store, Dialect } from './database.js';
export { migrate, createTableWithId, isPostgres } from './migrations.js';
export type { Migrations } from './migrations.js';
export { coreMigrations } from './core-migrations.js';
export { isUniqueViolation, json, parseJson, whereEquals } from './sql-helpers.js';
export { persistState, moveState, mustMoveState, moveEvery, stateHistory, boundMachine, boundMachines, StateMoveLost } from './state-writes.js';
export type { PersistedMachine, MoveOptions, HistoryEntry } from './state-writes.js';
export { StateWriteRefused } from './state-guard.js';
