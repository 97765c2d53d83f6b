// Zuul's rule for untrusted content: a playbook or role of an untrusted
// project may not bring Ansible plugins that run on the executor (action,
// callback, connection, lookup, filter… plugins beside it). Modules
// (`library/`, `module_utils/`) run on the nodes and are allowed.

import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const EXECUTOR_PLUGIN_DIRS = [
  'action_plugins', 'become_plugins', 'cache_plugins', 'callback_plugins', 'cliconf_plugins', 'connection_plugins',
  'filter_plugins', 'httpapi_plugins', 'inventory_plugins', 'lookup_plugins', 'netconf_plugins', 'shell_plugins',
  'strategy_plugins', 'terminal_plugins', 'test_plugins', 'vars_plugins',
];

/** Plugin directories found in `dir` (a playbook's directory) or any role under `rolesDirs`. */
export function findExecutorPlugins(dirs: string[]): string[] {
  const found: string[] = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const name of EXECUTOR_PLUGIN_DIRS) {
      const p = path.join(d, name);
      if (existsSync(p) && statSync(p).isDirectory()) found.push(p);
    }
  }
  return found;
}

/** The role directories inside a roles path entry. */
export function roleDirs(rolesPath: string): string[] {
  if (!existsSync(rolesPath)) return [];
  return readdirSync(rolesPath, { withFileTypes: true }).filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => path.join(rolesPath, e.name));
}
