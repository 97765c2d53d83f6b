// What the gate asks of a repository (commits, ancestry, changed files),
// through core's git runner: an isolated environment and explicit
// identities, so the commits the gate makes are reproducible.

import { git } from '../../core/host/index.js';

// The runner is core's; these are the gate's questions of a repository.
export { git, gitEnv, GitError } from '../../core/host/index.js';
export type { GitResult, GitIdentity, GitOptions } from '../../core/host/index.js';

/** `git rev-parse --verify` of a commit, or null when it does not resolve. */
export async function resolveCommit(dir: string, rev: string): Promise<string | null> {
  const r = await git(['-C', dir, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { allowFail: true });
  return r.code === 0 ? r.stdout.trim() : null;
}

export async function isAncestor(dir: string, ancestor: string, descendant: string): Promise<boolean> {
  const r = await git(['-C', dir, 'merge-base', '--is-ancestor', ancestor, descendant], { allowFail: true });
  return r.code === 0;
}

/** A commit's parents, message and author. */
export async function readCommit(dir: string, sha: string): Promise<{ parents: string[]; message: string; authorName: string; authorEmail: string; authorTime: number }> {
  const r = await git(['-C', dir, 'show', '-s', '--format=%P%x00%an%x00%ae%x00%at%x00%B', sha]);
  const [parents, an, ae, at, ...rest] = r.stdout.split('\0');
  return {
    parents: parents!.trim() ? parents!.trim().split(' ') : [],
    authorName: an!,
    authorEmail: ae!,
    authorTime: Number(at) * 1000,
    message: rest.join('\0').replace(/\n+$/, '\n'),
  };
}

/** Files a commit changes against its first parent (every file for a root commit). */
export async function changedFiles(dir: string, sha: string, base?: string): Promise<string[]> {
  const args = base
    ? ['-C', dir, 'diff', '--name-only', '--no-renames', base, sha]
    : ['-C', dir, 'diff-tree', '--root', '-r', '--no-commit-id', '--name-only', '--no-renames', '-m', '--first-parent', sha];
  const r = await git(args);
  return [...new Set(r.stdout.split('\n').filter(Boolean))].sort();
}
