// The gate's test helpers (with config.ts, fixture.ts, zuul-web-shape.ts):
// real git repositories under a temporary git root, with commits made from
// plain file maps.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { git } from '../../../src/gate/merger/git.js';

const AUTHOR = { name: 'Dev', email: 'dev@example.org', date: Date.UTC(2024, 0, 1) };

export class TestRepos {
  readonly root: string;
  private tick = 0;

  constructor(root?: string) {
    this.root = root ?? mkdtempSync(path.join(tmpdir(), 'strata-gate-repos-'));
  }

  dir(project: string): string {
    return path.join(this.root, project);
  }

  /** A new repository with one commit on `branch` holding `files`. */
  async create(project: string, files: Record<string, string>, opts: { bare?: boolean; branch?: string } = {}): Promise<string> {
    const branch = opts.branch ?? 'main';
    const dir = this.dir(project);
    mkdirSync(dir, { recursive: true });
    if (opts.bare) {
      await git(['init', '--quiet', '--bare', `--initial-branch=${branch}`, dir]);
      const work = mkdtempSync(path.join(tmpdir(), 'strata-gate-seed-'));
      try {
        await git(['init', '--quiet', `--initial-branch=${branch}`, work]);
        const sha = await this.commitIn(work, files, 'Initial commit', []);
        await git(['-C', work, 'push', '--quiet', dir, `${sha}:refs/heads/${branch}`]);
        return sha;
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
    await git(['init', '--quiet', `--initial-branch=${branch}`, dir]);
    const sha = await this.commitIn(dir, files, 'Initial commit', []);
    await git(['-C', dir, 'update-ref', `refs/heads/${branch}`, sha]);
    await git(['-C', dir, 'reset', '--quiet', '--hard', sha]);
    return sha;
  }

  /**
   * A commit on top of `parent` (default: the branch tip) with files
   * added, changed (a string) or removed (null). It is not on any branch
   * (as a change pushed for review); the repository's refs stay as they were.
   */
  async commit(project: string, files: Record<string, string | null>, message: string, opts: { parent?: string; branch?: string } = {}): Promise<string> {
    const dir = this.dir(project);
    const parent = opts.parent ?? (await git(['-C', dir, 'rev-parse', `refs/heads/${opts.branch ?? 'main'}`])).stdout.trim();
    const index = path.join(mkdtempSync(path.join(tmpdir(), 'strata-gate-index-')), 'index');
    const env = { GIT_INDEX_FILE: index };
    try {
      await git(['-C', dir, 'read-tree', parent], { env });
      for (const [file, content] of Object.entries(files)) {
        if (content === null) {
          await git(['-C', dir, 'update-index', '--force-remove', file], { env });
          continue;
        }
        const blob = (await git(['-C', dir, 'hash-object', '-w', '--stdin'], { input: content })).stdout.trim();
        await git(['-C', dir, 'update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { env });
      }
      const tree = (await git(['-C', dir, 'write-tree'], { env })).stdout.trim();
      const date = AUTHOR.date + ++this.tick * 1000;
      const r = await git(['-C', dir, 'commit-tree', tree, '-p', parent, '-F', '-'], {
        input: message.endsWith('\n') ? message : message + '\n',
        author: { ...AUTHOR, date },
        committer: { ...AUTHOR, date },
      });
      return r.stdout.trim();
    } finally {
      rmSync(path.dirname(index), { recursive: true, force: true });
    }
  }

  private async commitIn(work: string, files: Record<string, string>, message: string, parents: string[]): Promise<string> {
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      writeFileSync(path.join(work, file), content);
    }
    await git(['-C', work, 'add', '-A']);
    const tree = (await git(['-C', work, 'write-tree'])).stdout.trim();
    const r = await git(['-C', work, 'commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message], { author: AUTHOR, committer: AUTHOR });
    return r.stdout.trim();
  }

  async tip(project: string, branch = 'main'): Promise<string> {
    return (await git(['-C', this.dir(project), 'rev-parse', `refs/heads/${branch}`])).stdout.trim();
  }

  async show(project: string, rev: string, file: string): Promise<string | null> {
    const r = await git(['-C', this.dir(project), 'show', `${rev}:${file}`], { allowFail: true });
    return r.code === 0 ? r.stdout : null;
  }

  /** Commit subjects from the branch tip down (first-parent). */
  async log(project: string, branch = 'main'): Promise<string[]> {
    const r = await git(['-C', this.dir(project), 'log', '--first-parent', '--format=%s', `refs/heads/${branch}`]);
    return r.stdout.split('\n').filter(Boolean);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
