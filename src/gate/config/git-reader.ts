// Reads configuration from the git repositories of the `local` connection:
// project `org/a` is the repository at `<root>/org/a`, bare or not. Files
// are read from commits (branch tips or a speculative commit), never from a
// working tree: `git ls-tree` lists them, one `git cat-file --batch` reads
// them, through core's git runner.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gitBytes, parseBatch, parseTree } from '../../core/host/index.js';
import { ReaderError, selectConfigPaths, type ConfigFile, type ConfigReader, type ConfigRoots, type ProjectBranches } from './reader.js';

const PROJECT_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

/** A project name that maps safely to a directory under the root. */
export function isSafeProjectName(name: string): boolean {
  return PROJECT_NAME_RE.test(name) && !name.split('/').some((s) => s === '.' || s === '..');
}

/** git in a project's directory; failures are returned, for the reader's own messages. Config files are read as bytes. */
const git = (cwd: string, args: string[], input?: string) => gitBytes(['-C', cwd, ...args], { input, allowFail: true, userConfig: true });

export class GitReader implements ConfigReader {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The repository directory of a project, or null when the name is unsafe. */
  repoDir(project: string): string | null {
    if (!isSafeProjectName(project)) return null;
    return path.join(this.root, project);
  }

  /** The git directory of a repository: `<dir>` when bare, `<dir>/.git` otherwise; null when neither. */
  private async gitDir(dir: string): Promise<string | null> {
    for (const candidate of [path.join(dir, '.git'), dir]) {
      try {
        const [head, objects] = await Promise.all([fs.stat(path.join(candidate, 'HEAD')), fs.stat(path.join(candidate, 'objects'))]);
        if (head.isFile() && objects.isDirectory()) return candidate;
      } catch {
        // not this layout
      }
    }
    return null;
  }

  async getBranches(project: string): Promise<ProjectBranches | null> {
    const dir = this.repoDir(project);
    if (!dir) return null;
    // The directory must itself be a repository (bare, or with .git), not a
    // subdirectory of some enclosing repository. Checked on the filesystem:
    // a spawn costs more than the rest of the read.
    const gitDir = await this.gitDir(dir);
    if (!gitDir) return null;
    const refs = await git(dir, ['for-each-ref', '--format=%(refname)', 'refs/heads/']);
    if (refs.code !== 0) throw new ReaderError(`${project}: git for-each-ref failed: ${refs.stderr.trim()}`);
    const branches = refs.stdout.toString('utf8').split('\n').filter(Boolean).map((r) => r.replace(/^refs\/heads\//, ''));
    let defaultBranch = '';
    try {
      const head = (await fs.readFile(path.join(gitDir, 'HEAD'), 'utf8')).trim();
      if (head.startsWith('ref: refs/heads/')) defaultBranch = head.slice('ref: refs/heads/'.length);
    } catch {
      // detached or unreadable HEAD: fall back below
    }
    if (!branches.includes(defaultBranch)) defaultBranch = branches.includes('master') ? 'master' : branches[0] ?? 'master';
    return { branches, defaultBranch };
  }

  async readConfigFiles(project: string, ref: string, roots: ConfigRoots): Promise<ConfigFile[]> {
    const dir = this.repoDir(project);
    if (!dir) throw new ReaderError(`invalid project name "${project}"`);
    // A commit id or a full ref is used as is; anything else names a branch.
    const rev = /^[0-9a-f]{7,64}$/.test(ref) || ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
    if (rev.startsWith('-')) throw new ReaderError(`${project}: invalid ref ${ref}`);
    const pathspecs = [...roots.files, ...roots.dirs];
    const tree = await git(dir, ['ls-tree', '-r', '-z', '--full-tree', `${rev}^{commit}`, '--', ...pathspecs]);
    if (tree.code !== 0) {
      if (/Not a valid object name|not a tree object|bad revision/i.test(tree.stderr)) throw new ReaderError(`${project}: unknown ref ${ref}`);
      throw new ReaderError(`${project}: git ls-tree failed: ${tree.stderr.trim()}`);
    }
    const blobs = new Map(parseTree(tree.stdout).map((e) => [e.path, e.sha]));
    const selected = selectConfigPaths(blobs.keys(), roots);
    if (selected.length === 0) return [];
    const ids = selected.map((p) => blobs.get(p)!);
    const batch = await git(dir, ['cat-file', '--batch'], `${ids.join('\n')}\n`);
    if (batch.code !== 0) throw new ReaderError(`${project}: git cat-file failed: ${batch.stderr.trim()}`);
    let contents: Map<string, Buffer>;
    try {
      contents = parseBatch(batch.stdout, ids);
    } catch (e) {
      throw new ReaderError(`${project}: ${(e as Error).message}`);
    }
    return selected.map((p, i) => ({ path: p, content: contents.get(ids[i]!)!.toString('utf8'), id: ids[i]! }));
  }
}
