/**
 * The node's sub-resources and actions: states (provision, power, RAID,
 * console, boot mode, secure boot), validate, maintenance, management (boot
 * device, NMI, indicators), traits, VIFs, BIOS, history, vendor passthru.
 * Each checks the microversion it appeared in as Ironic does: an action that
 * is too new answers 406, a sub-resource that is too new 404.
 */
import type { Routes } from './deps.js';
import { nodeStateRoutes } from './node-state-actions.js';
import { nodeManagementRoutes } from './node-management.js';
import { nodeTraitRoutes } from './node-traits.js';
import { nodeVifRoutes } from './node-vifs.js';
import { nodeBiosRoutes } from './node-bios.js';
import { nodeHistoryRoutes } from './node-history.js';

export const nodeActionRoutes: Routes = (app, deps) => {
  nodeStateRoutes(app, deps);
  nodeManagementRoutes(app, deps);
  nodeTraitRoutes(app, deps);
  nodeVifRoutes(app, deps);
  nodeBiosRoutes(app, deps);
  nodeHistoryRoutes(app, deps);
};
