export { openStore, redactUrl } from './database.js';
export type { Store, Dialect } from './database.js';
export { migrate } from './migrations.js';
export type { Migrations } from './migrations.js';
export { coreMigrations } from './core-migrations.js';
export { isUniqueViolation, json, parseJson } from './sql-helpers.js';
