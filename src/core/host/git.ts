/**
 * The one git runner: `git` through an argv array (never a shell), with no
 * prompts and the C locale; by default also without system or user
 * configuration and with explicit identities, so what the gate merges is
 * reproducible. Site collection clones the operator's own repositories and
 * keeps their configuration (`userConfig`: URL rewrites, credential helpers).
 * Plus the two reads every caller needs: a tree listing and a batch of blobs.
 */
import { StrataError } from '../errors/index.js';
import { run } from './run.js';

export interface GitResult<Out extends string | Buffer = string> {
  code: number;
  stdout: Out;
  stderr: string;
}

export class GitError extends StrataError {
  constructor(readonly args: string[], readonly result: GitResult<string | Buffer>) {
    super(`git ${args.join(' ')} failed (${result.code}): ${(result.stderr || String(result.stdout)).trim().split('\n').slice(-3).join(' | ')}`, {
      status: 500,
      code: 'git_failed',
    });
  }
}

/** A person as git records them: name, email and a fixed date (epoch ms). */
export interface GitIdentity {
  name: string;
  email: string;
  date: number;
}

export interface GitOptions {
  cwd?: string;
  input?: string;
  /** Author and committer of commits this call makes. */
  author?: GitIdentity;
  committer?: GitIdentity;
  /** Return non-zero exits instead of throwing. */
  allowFail?: boolean;
  env?: Record<string, string>;
  /** Keep this process's environment and the user's git configuration. */
  userConfig?: boolean;
}

const gitDate = (ms: number) => `@${Math.floor(ms / 1000)} +0000`;

/** The environment a git call gets. */
export function gitEnv(opts: Pick<GitOptions, 'author' | 'committer' | 'env' | 'userConfig'> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = opts.userConfig
    ? { ...process.env, GIT_ASKPASS: 'echo' }
    : {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: '/nonexistent',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'Strata Gate',
        GIT_AUTHOR_EMAIL: 'gate@strata.invalid',
        GIT_COMMITTER_NAME: 'Strata Gate',
        GIT_COMMITTER_EMAIL: 'gate@strata.invalid',
      };
  const env: NodeJS.ProcessEnv = { ...base, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', ...opts.env };
  if (opts.author) Object.assign(env, { GIT_AUTHOR_NAME: opts.author.name, GIT_AUTHOR_EMAIL: opts.author.email, GIT_AUTHOR_DATE: gitDate(opts.author.date) });
  if (opts.committer) {
    Object.assign(env, { GIT_COMMITTER_NAME: opts.committer.name, GIT_COMMITTER_EMAIL: opts.committer.email, GIT_COMMITTER_DATE: gitDate(opts.committer.date) });
  }
  return env;
}

async function exec<Out extends string | Buffer>(args: string[], opts: GitOptions, encoding: 'utf8' | 'buffer'): Promise<GitResult<Out>> {
  // Listings, diffs and blobs are read whole: no output cap.
  const r = await run(['git', ...args], { cwd: opts.cwd, env: gitEnv(opts), input: opts.input ?? '', encoding: encoding as 'buffer', maxOutputBytes: Infinity }).catch(
    (e: Error) => {
      throw new StrataError(`cannot run git: ${e.message} (install the Debian package git)`, { status: 503, code: 'git_missing' });
    },
  );
  const result = { code: r.code ?? 1, stdout: r.stdout as string | Buffer as Out, stderr: r.stderr };
  if (result.code !== 0 && !opts.allowFail) throw new GitError(args, result);
  return result;
}

export const git = (args: string[], opts: GitOptions = {}) => exec<string>(args, opts, 'utf8');

/** git with stdout as bytes (blobs, binary listings). */
export const gitBytes = (args: string[], opts: GitOptions = {}) => exec<Buffer>(args, opts, 'buffer');

export interface TreeEntry {
  path: string;
  mode: string;
  sha: string;
}

/** Parses `git ls-tree -r -z` output: the blobs, in git's order. */
export function parseTree(out: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const rec of out.toString('utf8').split('\0')) {
    if (!rec) continue;
    const tab = rec.indexOf('\t');
    const [mode, type, sha] = rec.slice(0, tab).split(' ');
    if (type === 'blob') entries.push({ path: rec.slice(tab + 1), mode: mode!, sha: sha! });
  }
  return entries;
}

/** Parses `git cat-file --batch` output for the ids asked for, in order; a missing or truncated object is an error. */
export function parseBatch(out: Buffer, ids: readonly string[]): Map<string, Buffer> {
  const result = new Map<string, Buffer>();
  let pos = 0;
  for (let i = 0; i < ids.length; i++) {
    const nl = out.indexOf(0x0a, pos);
    if (nl === -1) throw new StrataError('truncated git cat-file output', { code: 'git_failed' });
    const [sha, type, size] = out.subarray(pos, nl).toString('utf8').split(' ');
    if (type === 'missing' || size === undefined) throw new StrataError(`git object ${sha} is missing`, { code: 'git_failed', status: 503 });
    result.set(sha!, out.subarray(nl + 1, nl + 1 + Number(size)));
    pos = nl + 1 + Number(size) + 1;
  }
  return result;
}

/** The contents of many blobs, through one `git cat-file --batch` (`repo`: the leading args, e.g. ['-C', dir] or ['--git-dir', d]). */
export async function readBlobs(repo: string[], shas: readonly string[], opts: GitOptions = {}): Promise<Map<string, Buffer>> {
  if (shas.length === 0) return new Map();
  const r = await gitBytes([...repo, 'cat-file', '--batch'], { ...opts, input: shas.join('\n') + '\n' });
  return parseBatch(r.stdout, shas);
}
