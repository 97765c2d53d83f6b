/**
 * A repository's files as site assembly reads them: a directory on disk
 * (the working tree, uncommitted changes included, as Pegleg copies it), or
 * a commit of a git repository (local or cloned), read without checking it
 * out. Which YAML files count follows Pegleg's `files.search`: `*.yaml`,
 * skipping hidden files and directories and anything under `tools/`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, relative } from 'node:path';
import { InvalidInputError, NotFoundError } from '../../core/errors/index.js';
import { cloneBare, gitDirOf, listTree, readBlobs, resolveCommit } from './git.js';
import type { RepositorySpec } from './repository-spec.js';
import { isGitUrl, repositoryName } from './repository-spec.js';

export interface SourceFile {
  /** Path inside the repository, with `/`. */
  path: string;
  /** How messages name it: a filesystem path, or `URL@COMMIT:PATH`. */
  label: string;
  text: string;
}

export interface SourceTree {
  /** Short name (`treasuremap`), as Pegleg names a repository in collected output. */
  readonly name: string;
  /** What was asked for (path or URL, and revision). */
  readonly spec: RepositorySpec;
  /** The commit read, when the tree is a git commit. */
  readonly commit?: string;
  /** YAML files under `dir` (a repository-relative directory), in a stable order. */
  yamlFiles(dir: string): Promise<string[]>;
  /** Reads files by repository-relative path. */
  read(paths: readonly string[]): Promise<SourceFile[]>;
  /** Whether a repository-relative path exists as a file. */
  exists(path: string): Promise<boolean>;
  /** Immediate subdirectories of a repository-relative directory. */
  subdirectories(dir: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Pegleg's filter on a repository-relative path. */
export function isSiteYaml(path: string): boolean {
  const parts = path.split('/');
  const file = parts[parts.length - 1];
  if (!file.endsWith('.yaml') || file.startsWith('.')) return false;
  return !parts.slice(0, -1).some((p) => p.startsWith('.') || p === 'tools');
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order a sorted os.walk yields paths in: a directory's files, then its subdirectories, by name. */
function walkOrder(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; ; i++) {
    const fileA = i === pa.length - 1;
    const fileB = i === pb.length - 1;
    if (fileA !== fileB) return fileA ? -1 : 1;
    const c = byName(pa[i], pb[i]);
    if (c !== 0 || fileA) return c;
  }
}

class DirectoryTree implements SourceTree {
  constructor(
    readonly name: string,
    readonly spec: RepositorySpec,
    private readonly root: string,
  ) {}

  async yamlFiles(dir: string): Promise<string[]> {
    const out: string[] = [];
    // Like os.walk, top-down: a directory's files, then its subdirectories.
    // Synchronous: a site is a few hundred small files, read faster in a row
    // than through the thread pool.
    const walk = (rel: string): void => {
      let entries;
      try {
        entries = readdirSync(join(this.root, rel), { withFileTypes: true });
      } catch {
        return;
      }
      const files: string[] = [];
      const dirs: string[] = [];
      for (const e of entries) {
        let isDir = e.isDirectory();
        let isFile = e.isFile();
        if (e.isSymbolicLink()) {
          let s;
          try {
            s = statSync(join(this.root, rel, e.name));
          } catch {
            s = undefined;
          }
          // os.walk lists linked files but does not descend into linked directories.
          isFile = Boolean(s?.isFile());
          isDir = false;
        }
        if (isDir && !e.name.startsWith('.') && e.name !== 'tools') dirs.push(e.name);
        else if (isFile) files.push(e.name);
      }
      for (const f of files.sort(byName)) {
        const p = rel ? `${rel}/${f}` : f;
        if (isSiteYaml(p)) out.push(p);
      }
      for (const d of dirs.sort(byName)) walk(rel ? `${rel}/${d}` : d);
    };
    walk(dir.replace(/\/+$/, ''));
    return out;
  }

  async read(paths: readonly string[]): Promise<SourceFile[]> {
    const cwd = process.cwd();
    return paths.map((path) => {
      const full = join(this.root, path);
      const rel = relative(cwd, full);
      return { path, label: rel && !rel.startsWith('..') ? rel : full, text: readFileSync(full, 'utf8') };
    });
  }

  async exists(path: string): Promise<boolean> {
    const s = await stat(join(this.root, path)).catch(() => undefined);
    return Boolean(s?.isFile());
  }

  async subdirectories(dir: string): Promise<string[]> {
    const entries = await readdir(join(this.root, dir), { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort(byName);
  }

  async close(): Promise<void> {}
}

class CommitTree implements SourceTree {
  private listing?: Promise<Map<string, string>>;

  constructor(
    readonly name: string,
    readonly spec: RepositorySpec,
    private readonly gitDir: string,
    readonly commit: string,
    private readonly cleanup?: string,
  ) {}

  /** path → blob sha for the whole commit, read once. */
  private all(): Promise<Map<string, string>> {
    this.listing ??= listTree(this.gitDir, this.commit, '').then(
      (entries) => new Map(entries.filter((e) => e.mode !== '120000' && e.mode !== '160000').map((e) => [e.path, e.sha])),
    );
    return this.listing;
  }

  async yamlFiles(dir: string): Promise<string[]> {
    const prefix = dir.replace(/\/+$/, '') + '/';
    const paths = [...(await this.all()).keys()].filter((p) => p.startsWith(prefix) && isSiteYaml(p));
    return paths.sort(walkOrder);
  }

  async read(paths: readonly string[]): Promise<SourceFile[]> {
    const all = await this.all();
    const shas = paths.map((p) => {
      const sha = all.get(p);
      if (!sha) throw new NotFoundError(`${p} does not exist in ${this.spec.url} at ${this.commit}`);
      return sha;
    });
    const blobs = await readBlobs(this.gitDir, [...new Set(shas)]);
    return paths.map((path, i) => ({
      path,
      label: `${this.spec.url}@${this.commit.slice(0, 12)}:${path}`,
      text: blobs.get(shas[i])!.toString('utf8'),
    }));
  }

  async exists(path: string): Promise<boolean> {
    return (await this.all()).has(path);
  }

  async subdirectories(dir: string): Promise<string[]> {
    const prefix = dir.replace(/\/+$/, '') + '/';
    const names = new Set<string>();
    for (const p of (await this.all()).keys()) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length).split('/');
      if (rest.length > 1 && !rest[0].startsWith('.')) names.add(rest[0]);
    }
    return [...names].sort(byName);
  }

  async close(): Promise<void> {
    if (this.cleanup) await rm(this.cleanup, { recursive: true, force: true });
  }
}

/**
 * Opens a repository: a local directory as it is on disk, a local git
 * repository at a revision, or a git URL (cloned into a temporary directory
 * removed by `close`) at a revision or its HEAD.
 */
export async function openTree(spec: RepositorySpec): Promise<SourceTree> {
  const name = repositoryName(spec.url);
  const localPath = spec.url.startsWith('file://') ? undefined : resolve(spec.url);
  if (!isGitUrl(spec.url)) {
    const s = await stat(localPath!).catch(() => undefined);
    if (!s?.isDirectory()) throw new NotFoundError(`repository ${spec.url} does not exist or is not a directory`);
    if (!spec.revision) return new DirectoryTree(name, spec, localPath!);
    const gitDir = await gitDirOf(localPath!);
    if (!gitDir) throw new InvalidInputError(`${spec.url} is not a git repository, so it has no revision ${spec.revision}`);
    const commit = await resolveCommit(gitDir, spec.revision, spec.url);
    return new CommitTree(name, spec, gitDir, commit);
  }
  const dir = await mkdtemp(join(tmpdir(), 'strata-site-'));
  try {
    const gitDir = join(dir, `${name}.git`);
    await cloneBare(spec.url, gitDir);
    const commit = await resolveCommit(gitDir, spec.revision ?? 'HEAD', spec.url);
    return new CommitTree(name, spec, gitDir, commit, dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
