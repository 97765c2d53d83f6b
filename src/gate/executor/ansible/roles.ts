// A job's `roles:` as Zuul resolves them: a project whose repository has a
// `roles/` directory contributes it to the roles path; a repository that is
// itself a role (tasks/, meta/…) is linked under its role name. A project
// offering neither contributes nothing (the job's own implicit role).

import { existsSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { AnsibleRole } from '../../model.js';

const ROLE_PARTS = ['tasks', 'meta', 'handlers', 'defaults', 'vars', 'files', 'templates'];

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

export function resolveRoles(roles: AnsibleRole[], checkoutOf: (project: string) => string | undefined, linkRoot: string): string[] {
  const paths: string[] = [];
  roles.forEach((r, i) => {
    const dir = checkoutOf(r.project);
    if (!dir) return;
    if (isDir(path.join(dir, 'roles'))) {
      paths.push(path.join(dir, 'roles'));
    } else if (ROLE_PARTS.some((p) => isDir(path.join(dir, p)))) {
      const holder = path.join(linkRoot, String(i));
      mkdirSync(holder, { recursive: true });
      symlinkSync(dir, path.join(holder, r.name));
      paths.push(holder);
    }
  });
  return [...new Set(paths)];
}
