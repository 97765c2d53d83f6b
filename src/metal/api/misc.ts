/**
 * The smaller resources: deploy templates (1.55), volume connectors and
 * targets (1.32), and external events (1.54), after Ironic's
 * deploy_template.py, volume*.py and event.py; one file each.
 */
import type { Routes } from './deps.js';
import { deployTemplateRoutes } from './deploy-templates.js';
import { volumeRoutes } from './volumes.js';
import { eventRoutes } from './events.js';

export const miscRoutes: Routes = (app, deps) => {
  deployTemplateRoutes(app, deps);
  volumeRoutes(app, deps);
  eventRoutes(app, deps);
};
