/** The metal store: migrations, records and the queries the conductor and API share. */
export { metalMigrations } from './migrations.js';
export * from './records.js';
export * as tables from './tables.js';
export { Table, isUuid, type Db, type PageRequest, type SortSpec } from './table.js';
export { findNode, listNodes, nodeWhere, traitsOf, replaceTraits, addTrait, removeTrait, reserve, release, clearReservationsOf, type NodeFilters } from './nodes.js';
export { recordHistory, type HistoryEventType } from './history.js';
export { registerConductor, touchConductor, unregisterConductor, allConductors, isAlive } from './conductors.js';
export { nodeProvision, nodePower, writeNode, type NodeWrite, type NodeChanges, type NodeGuard } from './node-states.js';
