// Running git: always through spawn with an argv array (never a shell), in
// a controlled environment so that no user or system configuration changes
// what a merge produces, and with identities and dates given explicitly so
// that the commits the gate makes are reproducible.

import { StrataError } from '../../core/index.js';
import { run } from '../../core/host/index.js';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class GitError extends StrataError {
  constructor(readonly args: string[], readonly result: GitResult) {
    super(`git ${args.join(' ')} failed (${result.code}): ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`, {
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
}

function gitDate(ms: number): string {
  return `@${Math.floor(ms / 1000)} +0000`;
}

/** The environment every git call gets: no global or system config, no prompts, C locale. */
export function gitEnv(opts: Pick<GitOptions, 'author' | 'committer' | 'env'> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: '/nonexistent',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Strata Gate',
    GIT_AUTHOR_EMAIL: 'gate@strata.invalid',
    GIT_COMMITTER_NAME: 'Strata Gate',
    GIT_COMMITTER_EMAIL: 'gate@strata.invalid',
    ...opts.env,
  };
  if (opts.author) {
    env.GIT_AUTHOR_NAME = opts.author.name;
    env.GIT_AUTHOR_EMAIL = opts.author.email;
    env.GIT_AUTHOR_DATE = gitDate(opts.author.date);
  }
  if (opts.committer) {
    env.GIT_COMMITTER_NAME = opts.committer.name;
    env.GIT_COMMITTER_EMAIL = opts.committer.email;
    env.GIT_COMMITTER_DATE = gitDate(opts.committer.date);
  }
  return env;
}

export async function git(args: string[], opts: GitOptions = {}): Promise<GitResult> {
  // Listings and diffs are read whole: no output cap.
  const r = await run(['git', ...args], { cwd: opts.cwd, env: gitEnv(opts), input: opts.input ?? '', maxOutputBytes: Infinity }).catch((e: Error) => {
    throw new StrataError(`cannot run git: ${e.message} (install the Debian package git)`, { status: 503, code: 'git_missing' });
  });
  const result = { code: r.code ?? 1, stdout: r.stdout, stderr: r.stderr };
  if (result.code !== 0 && !opts.allowFail) throw new GitError(args, result);
  return result;
}

/** `git rev-parse --verify` of a commit, or null when it does not resolve. */
export async function resolveCommit(dir: string, rev: string): Promise<string | null> {
  const r = await git(['-C', dir, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { allowFail: true });
  return r.code === 0 ? r.stdout.trim() : null;
}

export async function isAncestor(dir: string, ancestor: string, descendant: string): Promise<boolean> {
  const r = await git(['-C', dir, 'merge-base', '--is-ancestor', ancestor, descendant], { allowFail: true });
  return r.code === 0;
}

/** A commit's parents, message and author. */
export async function readCommit(dir: string, sha: string): Promise<{ parents: string[]; message: string; authorName: string; authorEmail: string; authorTime: number }> {
  const r = await git(['-C', dir, 'show', '-s', '--format=%P%x00%an%x00%ae%x00%at%x00%B', sha]);
  const [parents, an, ae, at, ...rest] = r.stdout.split('\0');
  return {
    parents: parents!.trim() ? parents!.trim().split(' ') : [],
    authorName: an!,
    authorEmail: ae!,
    authorTime: Number(at) * 1000,
    message: rest.join('\0').replace(/\n+$/, '\n'),
  };
}

/** Files a commit changes against its first parent (every file for a root commit). */
export async function changedFiles(dir: string, sha: string, base?: string): Promise<string[]> {
  const args = base
    ? ['-C', dir, 'diff', '--name-only', '--no-renames', base, sha]
    : ['-C', dir, 'diff-tree', '--root', '-r', '--no-commit-id', '--name-only', '--no-renames', '-m', '--first-parent', sha];
  const r = await git(args);
  return [...new Set(r.stdout.split('\n').filter(Boolean))].sort();
}
