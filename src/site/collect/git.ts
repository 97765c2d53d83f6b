/**
 * The few git operations site assembly needs, through core's git runner
 * (argv arrays, no prompts): clone, resolve a revision, list a tree, read
 * many blobs through one `git cat-file --batch`.
 */
import { UnavailableError, InvalidInputError } from '../../core/errors/index.js';
import { gitBytes, parseBatch, parseTree, type TreeEntry } from '../../core/host/index.js';

/** git with the operator's own configuration (these are their repositories); failures are returned. */
async function run(args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = await gitBytes(args, { ...opts, userConfig: true, allowFail: true }).catch((e: Error) => {
    throw new UnavailableError(e.message, { cause: e });
  });
  return { stdout: r.stdout, stderr: r.stderr.trim(), code: r.code };
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

export type { TreeEntry };

/** Every blob under `dir` (a path inside the repository, '' for all) at `commit`. */
export async function listTree(gitDir: string, commit: string, dir: string): Promise<TreeEntry[]> {
  const args = ['--git-dir', gitDir, 'ls-tree', '-r', '-z', '--full-tree', commit];
  if (dir) args.push('--', dir);
  return parseTree(await git(args, { what: `cannot list ${dir || 'the tree'} at ${commit}` }));
}

/** The contents of many blobs, through one `git cat-file --batch`. */
export async function readBlobs(gitDir: string, shas: readonly string[]): Promise<Map<string, Buffer>> {
  if (shas.length === 0) return new Map();
  const out = await git(['--git-dir', gitDir, 'cat-file', '--batch'], { input: shas.join('\n') + '\n', what: 'cannot read files' });
  try {
    return parseBatch(out, shas);
  } catch (e) {
    throw new UnavailableError((e as Error).message);
  }
}

/** The commit checked out in a working tree, or undefined when it has none yet. */
export async function headCommit(gitDir: string): Promise<string | undefined> {
  const r = await run(['--git-dir', gitDir, 'rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
}
