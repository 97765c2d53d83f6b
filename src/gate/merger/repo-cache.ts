// The merger's repositories: one clone per project under the data
// directory, made once and updated with `git fetch` (never cloned per
// merge or per build). Project `org/a` lives at `<git root>/org/a` (bare or
// not); its cache at `<cache>/org/a`. Operations that use a cache clone's
// working tree take the project's lock.

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { isSafeProjectName } from '../config/index.js';
import { InvalidInputError, NotFoundError } from '../../core/index.js';
import { git, resolveCommit } from './git.js';

/** A FIFO mutex per key. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export class RepoCache {
  readonly lock = new KeyedLock();
  private readonly ready = new Map<string, Promise<string>>();

  constructor(
    readonly gitRoot: string,
    readonly cacheDir: string,
  ) {}

  /** The project's repository under the git root; throws for a name that could escape it. */
  sourceDir(project: string): string {
    if (!isSafeProjectName(project)) throw new InvalidInputError(`invalid project name "${project}"`);
    return path.join(this.gitRoot, project);
  }

  cachePath(project: string): string {
    if (!isSafeProjectName(project)) throw new InvalidInputError(`invalid project name "${project}"`);
    return path.join(this.cacheDir, project);
  }

  /** Whether the project has a repository under the git root. */
  async exists(project: string): Promise<boolean> {
    if (!isSafeProjectName(project)) return false;
    const dir = this.sourceDir(project);
    if (!existsSync(dir)) return false;
    const r = await git(['-C', dir, 'rev-parse', '--absolute-git-dir'], { allowFail: true });
    if (r.code !== 0) return false;
    const gitDir = r.stdout.trim();
    return gitDir === dir || gitDir === path.join(dir, '.git');
  }

  async requireSource(project: string): Promise<string> {
    this.sourceDir(project);
    if (!(await this.exists(project))) throw new NotFoundError(`project ${project} has no repository under ${this.gitRoot}`);
    return this.sourceDir(project);
  }

  /** The cache clone, made on first use. */
  ensure(project: string): Promise<string> {
    let p = this.ready.get(project);
    if (!p) {
      p = this.lock.run(project, () => this.clone(project));
      this.ready.set(project, p);
      p.catch(() => this.ready.delete(project));
    }
    return p;
  }

  private async clone(project: string): Promise<string> {
    const src = await this.requireSource(project);
    const dest = this.cachePath(project);
    if (!existsSync(path.join(dest, '.git'))) {
      mkdirSync(path.dirname(dest), { recursive: true });
      await git(['clone', '--quiet', '--no-checkout', '--no-hardlinks', src, dest]);
    }
    // Merge results must outlive their items' refs: no automatic gc; the
    // submitter fetches speculative commits from here by id.
    for (const [k, v] of [['gc.auto', '0'], ['uploadpack.allowAnySHA1InWant', 'true'], ['core.hooksPath', '/dev/null'], ['advice.detachedHead', 'false']]) {
      await git(['-C', dest, 'config', k, v]);
    }
    await git(['-C', dest, 'remote', 'set-url', 'origin', src]);
    return dest;
  }

  /** Updates the cache's branches (refs/remotes/origin/*) and fetches the given refs (change refs) as they are named. */
  async update(project: string, refs: string[] = []): Promise<string> {
    const dest = await this.ensure(project);
    const specs = ['+refs/heads/*:refs/remotes/origin/*', ...refs.map((r) => `+${r}:${r}`)];
    await this.lock.run(project, () => git(['-C', dest, 'fetch', '--quiet', '--no-tags', '--prune', 'origin', ...specs]));
    return dest;
  }

  /** The branch's commit in the project's repository (the authority), or null. */
  async branchTip(project: string, branch: string): Promise<string | null> {
    return resolveCommit(this.sourceDir(project), `refs/heads/${branch}`);
  }

  async branches(project: string): Promise<{ branches: string[]; defaultBranch: string }> {
    const dir = await this.requireSource(project);
    const refs = await git(['-C', dir, 'for-each-ref', '--format=%(refname)', 'refs/heads/']);
    const branches = refs.stdout.split('\n').filter(Boolean).map((r) => r.replace(/^refs\/heads\//, ''));
    const head = await git(['-C', dir, 'symbolic-ref', '--quiet', 'HEAD'], { allowFail: true });
    let defaultBranch = head.code === 0 ? head.stdout.trim().replace(/^refs\/heads\//, '') : '';
    if (!branches.includes(defaultBranch)) defaultBranch = branches.includes('main') ? 'main' : branches.includes('master') ? 'master' : branches[0] ?? 'main';
    return { branches, defaultBranch };
  }
}
