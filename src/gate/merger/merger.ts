// Speculative merges (Zuul's merger): an item's changes are merged, in
// order, onto the state the item ahead left (or the branch tips), in the
// project's merge mode. Commits get the change owner as author, the gate
// as committer and the patchset's creation time as date, so the same merge
// always yields the same commit. The result is the item's frozen
// repository state: one commit per project-branch.

import type { Change, Changeish } from '../model.js';
import { changedFiles, git, isAncestor, readCommit, resolveCommit, type GitIdentity } from './git.js';
import type { RepoCache } from './repo-cache.js';

export type MergeMode = 'merge' | 'merge-resolve' | 'merge-recursive' | 'merge-ort' | 'cherry-pick' | 'squash-merge' | 'rebase';
export const MERGE_MODES: readonly MergeMode[] = ['merge', 'merge-resolve', 'merge-recursive', 'merge-ort', 'cherry-pick', 'squash-merge', 'rebase'];

export type Commits = Record<string, Record<string, string>>;

export interface MergeRequest {
  changes: Changeish[];
  /** The state to merge onto (the item ahead's); project-branches absent here start from their tips. */
  base: Commits;
  mergeMode(project: string): MergeMode;
}

export type MergeResult =
  | { ok: true; commits: Commits; files: string[]; filesByChange: Record<string, string[]> }
  | { ok: false; change: string; error: string };

export class MergeConflict extends Error {}

export function copyCommits(c: Commits): Commits {
  return Object.fromEntries(Object.entries(c).map(([p, b]) => [p, { ...b }]));
}

export class Merger {
  constructor(readonly repos: RepoCache) {}

  async merge(req: MergeRequest): Promise<MergeResult> {
    const commits = copyCommits(req.base);
    const files = new Set<string>();
    const filesByChange: Record<string, string[]> = {};
    for (const c of req.changes) {
      if (c.kind === 'ref') {
        const where = c.branch ?? c.ref;
        (commits[c.project] ??= {})[where] = c.newrev;
        filesByChange[c.key] = [];
        if (c.oldrev !== c.newrev && !/^0+$/.test(c.oldrev)) {
          const dir = await this.repos.update(c.project);
          filesByChange[c.key] = await changedFiles(dir, c.newrev, c.oldrev);
          for (const f of filesByChange[c.key]!) files.add(f);
        }
        continue;
      }
      const dir = await this.repos.update(c.project, [c.ref]);
      let base = commits[c.project]?.[c.branch] ?? (await resolveCommit(dir, `refs/remotes/origin/${c.branch}`));
      if (!base) return { ok: false, change: c.key, error: `branch ${c.branch} does not exist in ${c.project}` };
      try {
        base = await this.repos.lock.run(c.project, () => this.mergeOne(dir, base!, c, req.mergeMode(c.project)));
      } catch (err) {
        if (err instanceof MergeConflict) return { ok: false, change: c.key, error: err.message };
        throw err;
      }
      (commits[c.project] ??= {})[c.branch] = base;
      filesByChange[c.key] = await changedFiles(dir, c.commit, (await readCommit(dir, c.commit)).parents[0]);
      for (const f of filesByChange[c.key]!) files.add(f);
    }
    return { ok: true, commits, files: [...files].sort(), filesByChange };
  }

  /** Merges one change onto `base` in the cache clone's working tree (the caller holds the project lock). */
  private async mergeOne(dir: string, base: string, c: Change, mode: MergeMode): Promise<string> {
    const author = identity(c);
    const committer: GitIdentity = { name: 'Strata Gate', email: 'gate@strata.invalid', date: c.createdOn };
    const run = (args: string[], allowFail = false) => git(['-C', dir, ...args], { author, committer, allowFail });
    if (await isAncestor(dir, c.commit, base)) return base; // already part of the base
    await run(['checkout', '--quiet', '--force', '--detach', base]);
    await run(['clean', '-fdxq']);
    const conflict = async (what: string, abort: string[]) => {
      await run(abort, true);
      await run(['reset', '--quiet', '--hard', base], true);
      await run(['clean', '-fdxq'], true);
      return new MergeConflict(`${c.key} cannot be ${what} onto ${base.slice(0, 12)} of ${c.project} ${c.branch}`);
    };
    switch (mode) {
      case 'merge':
      case 'merge-resolve':
      case 'merge-recursive':
      case 'merge-ort': {
        if (await isAncestor(dir, base, c.commit)) return c.commit; // fast-forward, as Gerrit's merge-if-necessary
        const strategy = mode === 'merge' ? [] : ['-s', mode.slice('merge-'.length)];
        const r = await run(['merge', '--no-ff', '--no-edit', '--quiet', ...strategy, '-m', `Merge "${c.subject}"`, c.commit], true);
        if (r.code !== 0) throw await conflict('merged', ['merge', '--abort']);
        break;
      }
      case 'squash-merge': {
        const r = await run(['merge', '--squash', '--quiet', c.commit], true);
        if (r.code !== 0) throw await conflict('squash-merged', ['reset', '--quiet', '--hard', base]);
        const staged = await run(['diff', '--cached', '--quiet'], true);
        if (staged.code === 0) return base; // nothing left to add
        const meta = await readCommit(dir, c.commit);
        await git(['-C', dir, 'commit', '--quiet', '--no-verify', '-F', '-'], {
          input: meta.message,
          author: { name: meta.authorName, email: meta.authorEmail, date: meta.authorTime },
          committer,
        });
        break;
      }
      case 'cherry-pick': {
        const meta = await readCommit(dir, c.commit);
        if (meta.parents[0] === base) return c.commit; // already on the base: keep the patchset's commit
        const r = await run(['cherry-pick', '--allow-empty', '--keep-redundant-commits', c.commit], true);
        if (r.code !== 0) throw await conflict('cherry-picked', ['cherry-pick', '--abort']);
        break;
      }
      case 'rebase': {
        if (await isAncestor(dir, base, c.commit)) return c.commit;
        await run(['checkout', '--quiet', '--force', '--detach', c.commit]);
        const r = await run(['rebase', '--quiet', '--no-autosquash', base], true);
        if (r.code !== 0) throw await conflict('rebased', ['rebase', '--abort']);
        break;
      }
    }
    const head = await resolveCommit(dir, 'HEAD');
    if (!head) throw new Error(`no HEAD in ${dir} after merging ${c.key}`);
    return head;
  }
}

/** The change owner as the author of merge commits (email made up from the username when unknown). */
export function identity(c: Change): GitIdentity {
  return { name: c.owner.name ?? c.owner.username, email: c.owner.email ?? `${c.owner.username}@strata.invalid`, date: c.createdOn };
}
