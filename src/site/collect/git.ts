/**
 * The few git operations site assembly needs, run as `git` with argument
 * arrays (no shell) and without prompts: clone, resolve a revision, list a
 * tree, read many blobs through one `git cat-file --batch`.
 */
import { UnavailableError, InvalidInputError } from '../../core/errors/index.js';
import { run as runProgram } from '../../core/host/index.js';

const GIT_ENV = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'echo', LC_ALL: 'C' };

interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

async function run(args: string[], opts: { cwd?: string; input?: string } = {}): Promise<RunResult> {
  // Blobs are read whole and as bytes: no output cap, no decoding.
  const r = await runProgram(['git', ...args], { cwd: opts.cwd, env: GIT_ENV, input: opts.input, encoding: 'buffer', maxOutputBytes: Infinity }).catch((e: Error) => {
    throw new UnavailableError(`cannot run git: ${e.message}`, { cause: e });
  });
  return { stdout: r.stdout, stderr: r.stderr.trim(), code: r.code ?? 1 };
}

async function git(args: string[], opts: { cwd?: string; input?: string; what: string }): Promise<Buffer> {
  const r = await run(args, opts);
  if (r.code !== 0) throw new UnavailableError(`${opts.what}: ${r.stderr.split('\n').pop() || `git exited with ${r.code}`}`);
  return r.stdout;
}

/** Clones `url` as a bare repository into `dir` (which must not exist or be empty). */
export async function cloneBare(url: string, dir: string): Promise<void> {
  await git(['clone', '--quiet', '--bare', '--', url, dir], { what: `cannot clone ${url}` });
}

/** The git directory of a local repository (working tree or bare), or undefined when `dir` is not one. */
export async function gitDirOf(dir: string): Promise<string | undefined> {
  const r = await run(['rev-parse', '--absolute-git-dir'], { cwd: dir });
  if (r.code !== 0) return undefined;
  return r.stdout.toString('utf8').trim();
}

/** The commit `revision` names in the repository at `gitDir`. */
export async function resolveCommit(gitDir: string, revision: string, label: string): Promise<string> {
  const r = await run(['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`]);
  if (r.code !== 0) throw new InvalidInputError(`revision ${revision} does not exist in ${label}`);
  return r.stdout.toString('utf8').trim();
}

export interface TreeEntry {
  path: string;
  mode: string;
  sha: string;
}

/** Every blob under `dir` (a path inside the repository, '' for all) at `commit`. */
export async function listTree(gitDir: string, commit: string, dir: string): Promise<TreeEntry[]> {
  const args = ['--git-dir', gitDir, 'ls-tree', '-r', '-z', '--full-tree', commit];
  if (dir) args.push('--', dir);
  const out = (await git(args, { what: `cannot list ${dir || 'the tree'} at ${commit}` })).toString('utf8');
  const entries: TreeEntry[] = [];
  for (const rec of out.split('\0')) {
    if (!rec) continue;
    const tab = rec.indexOf('\t');
    const [mode, type, sha] = rec.slice(0, tab).split(' ');
    if (type === 'blob') entries.push({ path: rec.slice(tab + 1), mode, sha });
  }
  return entries;
}

/** The contents of many blobs, through one `git cat-file --batch`. */
export async function readBlobs(gitDir: string, shas: readonly string[]): Promise<Map<string, Buffer>> {
  const result = new Map<string, Buffer>();
  if (shas.length === 0) return result;
  const out = await git(['--git-dir', gitDir, 'cat-file', '--batch'], { input: shas.join('\n') + '\n', what: 'cannot read files' });
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(0x0a, pos);
    const header = out.subarray(pos, nl).toString('utf8');
    const [sha, type, sizeText] = header.split(' ');
    if (type === 'missing' || sizeText === undefined) throw new UnavailableError(`git object ${sha} is missing`);
    const size = Number(sizeText);
    result.set(sha, out.subarray(nl + 1, nl + 1 + size));
    pos = nl + 1 + size + 1;
  }
  return result;
}

/** The commit checked out in a working tree, or undefined when it has none yet. */
export async function headCommit(gitDir: string): Promise<string | undefined> {
  const r = await run(['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
}
