// Where Strata's Ansible plugins (Python, shipped as source) are: beside
// this file when running from src/, in the package's src/ when from dist/.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export function pluginsDir(): string {
  const beside = path.join(here, 'plugins');
  if (existsSync(path.join(beside, 'connection', 'strata_agent.py'))) return beside;
  // dist/gate/executor/ansible → the package root is four levels up.
  const inSrc = path.resolve(here, '..', '..', '..', '..', 'src', 'gate', 'executor', 'ansible', 'plugins');
  if (existsSync(path.join(inSrc, 'connection', 'strata_agent.py'))) return inSrc;
  throw new Error(`Strata's Ansible plugins not found (looked in ${beside} and ${inSrc})`);
}
