// A build's workspace: every project the job requires, each checked out at
// the item's frozen commit for the branch it uses, as a `git worktree` of
// the merger's cached clone (no clone per build, no network). The item's
// own project comes first; the job's commands run in its directory.

import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { RequiredProject } from '../model.js';
import { git, type Commits, type RepoCache } from '../merger/index.js';

export interface Workspace {
  root: string;
  /** project → its checkout. */
  dirs: Record<string, string>;
}

/**
 * `dirOf` places each project under the root (default: its name, `org/a`;
 * Ansible jobs use Zuul's `src/<canonical name>`).
 */
export async function prepareWorkspace(repos: RepoCache, root: string, projects: RequiredProject[], commits: Commits,
  dirOf: (project: string) => string = (p) => p): Promise<Workspace> {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const dirs: Record<string, string> = {};
  for (const p of projects) {
    if (dirs[p.project]) continue;
    const sha = commits[p.project]?.[p.branch];
    if (!sha) throw new Error(`no frozen commit for ${p.project} ${p.branch}`);
    const cache = await repos.ensure(p.project);
    const dir = path.join(root, dirOf(p.project));
    mkdirSync(path.dirname(dir), { recursive: true });
    await repos.lock.run(p.project, () => git(['-C', cache, 'worktree', 'add', '--quiet', '--detach', '--force', dir, sha]));
    dirs[p.project] = dir;
  }
  return { root, dirs };
}

export async function removeWorkspace(repos: RepoCache, ws: Workspace): Promise<void> {
  rmSync(ws.root, { recursive: true, force: true });
  for (const project of Object.keys(ws.dirs)) {
    const cache = repos.cachePath(project);
    await repos.lock.run(project, () => git(['-C', cache, 'worktree', 'prune'], { allowFail: true }));
  }
}
