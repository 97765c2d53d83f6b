// Where configuration files come from. The loader asks a ConfigReader for a
// project's branches and for the config files at a ref (a branch, or a
// commit when building a speculative layout for a change). Implementations:
// git (git-reader.ts, the `local` connection's repositories), plain
// directories (a checkout, or the OpenStack fixture), and memory (tests).

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface ProjectBranches {
  branches: string[];
  defaultBranch: string;
}

/** The files and directories of a repository that may hold configuration. */
export interface ConfigRoots {
  files: readonly string[];
  dirs: readonly string[];
}

export interface ConfigFile {
  path: string;
  content: string;
  /** Identity of the content (git blob id or a hash), for parse caching. */
  id: string;
}

export class ReaderError extends Error {}

export interface ConfigReader {
  /** The project's branches and default branch; null when the repository does not exist. */
  getBranches(project: string): Promise<ProjectBranches | null>;
  /**
   * The configuration files at `ref` (branch name or commit id): each of
   * `roots.files` that exists, and every `.yaml` file below `roots.dirs`
   * (except under a directory holding a `.zuul.ignore` file), sorted by
   * path. Throws ReaderError when the ref does not exist.
   */
  readConfigFiles(project: string, ref: string, roots: ConfigRoots): Promise<ConfigFile[]>;
}

export function contentId(content: string): string {
  return createHash('sha1').update(content).digest('hex');
}

/** Picks, from every path of a tree, those the roots select (as Zuul's merger getFiles does). */
export function selectConfigPaths(paths: Iterable<string>, roots: ConfigRoots): string[] {
  const all = [...paths];
  const selected = new Set<string>();
  for (const f of roots.files) if (all.includes(f)) selected.add(f);
  for (const d of roots.dirs) {
    const prefix = `${d}/`;
    const under = all.filter((p) => p.startsWith(prefix));
    const ignored = under.filter((p) => p.endsWith('.zuul.ignore')).map((p) => path.posix.dirname(p));
    for (const p of under) {
      if (!p.endsWith('.yaml')) continue;
      if (ignored.some((dir) => p.startsWith(`${dir}/`))) continue;
      selected.add(p);
    }
  }
  return [...selected].sort();
}

export interface MemoryRepo {
  defaultBranch?: string;
  /** Branch -> path -> content. */
  branches: Record<string, Record<string, string>>;
  /** Other refs (commit ids of speculative states) -> path -> content. */
  refs?: Record<string, Record<string, string>>;
}

/** A reader over in-memory repositories, for unit tests. */
export class MemoryReader implements ConfigReader {
  readonly repos: Record<string, MemoryRepo>;

  constructor(repos: Record<string, MemoryRepo>) {
    this.repos = repos;
  }

  async getBranches(project: string): Promise<ProjectBranches | null> {
    const repo = this.repos[project];
    if (!repo) return null;
    const branches = Object.keys(repo.branches);
    const defaultBranch = repo.defaultBranch ?? (branches.includes('master') ? 'master' : branches[0] ?? 'master');
    return { branches, defaultBranch };
  }

  async readConfigFiles(project: string, ref: string, roots: ConfigRoots): Promise<ConfigFile[]> {
    const repo = this.repos[project];
    const tree = repo?.branches[ref] ?? repo?.refs?.[ref];
    if (!tree) throw new ReaderError(`${project}: unknown ref ${ref}`);
    return selectConfigPaths(Object.keys(tree), roots).map((p) => ({ path: p, content: tree[p], id: contentId(tree[p]) }));
  }
}

async function walk(dir: string, rel = ''): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...await walk(dir, p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

export interface DirectoryProject {
  dir: string;
  /** The single branch the directory stands for (default `master`). */
  branch?: string;
  /**
   * The directory is this folder of the repository rather than its root:
   * `zuul.d` for a bare `zuul.d/` (or any folder of YAML files) checked alone.
   */
  mountedAt?: string;
}

/**
 * Plain directories standing for one branch of a project each: a checkout
 * being checked (`strata gate config check DIR`) or the OpenStack fixture.
 */
export class DirectoryReader implements ConfigReader {
  readonly projects: Record<string, DirectoryProject>;

  constructor(projects: Record<string, DirectoryProject>) {
    this.projects = projects;
  }

  async getBranches(project: string): Promise<ProjectBranches | null> {
    const p = this.projects[project];
    if (!p) return null;
    const branch = p.branch ?? 'master';
    return { branches: [branch], defaultBranch: branch };
  }

  async readConfigFiles(project: string, ref: string, roots: ConfigRoots): Promise<ConfigFile[]> {
    const p = this.projects[project];
    if (!p || ref !== (p.branch ?? 'master')) throw new ReaderError(`${project}: unknown ref ${ref}`);
    const mount = p.mountedAt ? `${p.mountedAt}/` : '';
    // A repository path, as a path on disk (null: outside the mounted folder).
    const onDisk = (rel: string): string | null => {
      if (!mount) return path.join(p.dir, rel);
      if (rel === p.mountedAt) return p.dir;
      return rel.startsWith(mount) ? path.join(p.dir, rel.slice(mount.length)) : null;
    };
    const candidates: string[] = [];
    for (const f of roots.files) {
      const file = onDisk(f);
      try {
        if (file && (await fs.stat(file)).isFile()) candidates.push(f);
      } catch {
        // absent
      }
    }
    for (const d of roots.dirs) {
      const dir = onDisk(d);
      if (dir) candidates.push(...(await walk(dir)).map((f) => `${d}/${f}`));
    }
    const out: ConfigFile[] = [];
    for (const f of selectConfigPaths(candidates, roots)) {
      const content = await fs.readFile(onDisk(f)!, 'utf8');
      out.push({ path: f, content, id: contentId(content) });
    }
    return out;
  }
}

/**
 * A reader that reads given project-branches at other refs: the speculative
 * state of a change (its merge commit) instead of the branch tip.
 */
export class OverlayReader implements ConfigReader {
  readonly base: ConfigReader;
  /** project -> branch -> ref to read instead. */
  readonly overrides: Map<string, Map<string, string>>;

  constructor(base: ConfigReader, overrides: Array<{ project: string; branch: string; ref: string }>) {
    this.base = base;
    this.overrides = new Map();
    for (const o of overrides) {
      if (!this.overrides.has(o.project)) this.overrides.set(o.project, new Map());
      this.overrides.get(o.project)!.set(o.branch, o.ref);
    }
  }

  getBranches(project: string): Promise<ProjectBranches | null> {
    return this.base.getBranches(project);
  }

  readConfigFiles(project: string, ref: string, roots: ConfigRoots): Promise<ConfigFile[]> {
    return this.base.readConfigFiles(project, this.overrides.get(project)?.get(ref) ?? ref, roots);
  }
}

/**
 * Remembers what a reader returned: commit ids forever (they never change),
 * branches until `invalidate(project)` (call it when a branch moves).
 */
export class CachingReader implements ConfigReader {
  readonly base: ConfigReader;
  private readonly branches = new Map<string, Promise<ProjectBranches | null>>();
  private readonly files = new Map<string, Promise<ConfigFile[]>>();

  constructor(base: ConfigReader) {
    this.base = base;
  }

  invalidate(project?: string): void {
    if (project === undefined) {
      this.branches.clear();
      this.files.clear();
      return;
    }
    this.branches.delete(project);
    for (const k of [...this.files.keys()]) {
      const [p, ref] = JSON.parse(k) as [string, string];
      if (p === project && !/^[0-9a-f]{40,64}$/.test(ref)) this.files.delete(k);
    }
  }

  getBranches(project: string): Promise<ProjectBranches | null> {
    let p = this.branches.get(project);
    if (!p) {
      p = this.base.getBranches(project);
      this.branches.set(project, p);
      p.catch(() => this.branches.delete(project));
    }
    return p;
  }

  readConfigFiles(project: string, ref: string, roots: ConfigRoots): Promise<ConfigFile[]> {
    const key = JSON.stringify([project, ref, roots.files, roots.dirs]);
    let p = this.files.get(key);
    if (!p) {
      p = this.base.readConfigFiles(project, ref, roots);
      this.files.set(key, p);
      p.catch(() => this.files.delete(key));
    }
    return p;
  }
}
