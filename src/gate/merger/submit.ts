// Submitting: the project's branch advances to the speculative merge
// commit the item was tested on, as Gerrit's submit does. The update is a
// compare-and-swap (`git update-ref REF NEW OLD`), so a branch that moved
// meanwhile is never overwritten, and repeating a submit that already
// happened is recognised (the branch is at NEW) rather than redone.
//
// A non-bare repository with the branch checked out: after the ref moves,
// the index and working tree are moved from OLD to NEW with a two-way
// `git read-tree -u -m OLD NEW` (what receive.denyCurrentBranch=updateInstead
// does), which keeps local modifications of untouched files and refuses to
// overwrite modified ones. When it refuses, the branch still advances and
// the working tree is left as it was (reported as a note): the repository
// is the source of truth, the checkout someone's workspace.

import { git, resolveCommit } from './git.js';
import type { RepoCache } from './repo-cache.js';

export type SubmitResult =
  | { status: 'advanced' | 'already'; note?: string }
  | { status: 'moved'; current: string | null };

export async function advanceBranch(repos: RepoCache, project: string, branch: string, oldSha: string, newSha: string, reason: string): Promise<SubmitResult> {
  const src = await repos.requireSource(project);
  const ref = `refs/heads/${branch}`;
  const current = await resolveCommit(src, ref);
  if (current === newSha) return { status: 'already' };
  if (current !== oldSha) return { status: 'moved', current };

  // Bring the speculative commit's objects into the repository first.
  const have = await git(['-C', src, 'cat-file', '-e', `${newSha}^{commit}`], { allowFail: true });
  if (have.code !== 0) {
    const cache = await repos.ensure(project);
    await git(['-C', src, 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', cache, newSha]);
  }

  const bare = (await git(['-C', src, 'rev-parse', '--is-bare-repository'])).stdout.trim() === 'true';
  const head = bare ? null : await git(['-C', src, 'symbolic-ref', '--quiet', 'HEAD'], { allowFail: true });
  const checkedOut = head !== null && head.code === 0 && head.stdout.trim() === ref;

  const cas = await git(['-C', src, 'update-ref', '-m', reason, ref, newSha, oldSha], { allowFail: true });
  if (cas.code !== 0) {
    const now = await resolveCommit(src, ref);
    return now === newSha ? { status: 'already' } : { status: 'moved', current: now };
  }
  if (!checkedOut) return { status: 'advanced' };
  const moved = await git(['-C', src, 'read-tree', '-u', '-m', oldSha, newSha], { allowFail: true });
  if (moved.code !== 0) {
    return { status: 'advanced', note: `the working tree of ${src} has local changes in files the merge touches; it was left as it was` };
  }
  return { status: 'advanced' };
}
