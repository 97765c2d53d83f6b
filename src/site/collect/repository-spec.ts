/**
 * How repositories are named on the command line and in a site definition,
 * as Pegleg reads them: `URL_OR_PATH[@REVISION]` for `-r`, and
 * `NAME=URL_OR_PATH[@REVISION]` for `-e`. An `@` in `ssh://user@host/…` is
 * the user, not a revision.
 */
import { InvalidInputError } from '../../core/errors/index.js';

export interface RepositorySpec {
  /** A local path or a git URL (file://, http(s)://, ssh://, git://, user@host:path). */
  url: string;
  /** Branch, tag or commit; undefined: the working tree of a local path, HEAD of a URL. */
  revision?: string;
}

export interface NamedRepositorySpec extends RepositorySpec {
  name: string;
}

const SSH_WITH_USER = /^ssh:\/\/.+@.+\/.+/;

function hasRevision(spec: string): boolean {
  if (spec.toLowerCase().startsWith('ssh')) {
    const ats = spec.split('@').length - 1;
    return SSH_WITH_USER.test(spec) ? ats === 2 : ats === 1;
  }
  // scp-like `git@host:org/repo.git` carries its user the same way.
  if (/^[^/@]+@[^/:]+:/.test(spec)) return spec.split('@').length - 1 === 2;
  return spec.includes('@');
}

/**
 * `URL_OR_PATH[@REVISION]`, trimming the revision as Pegleg does (trailing
 * slashes, `.git`). Unlike Pegleg the URL keeps its `.git`: a bare
 * repository's path needs it.
 */
export function parseRepositorySpec(spec: string): RepositorySpec {
  const text = spec.trim();
  if (!text) throw new InvalidInputError('a repository must be a path or a git URL, optionally followed by @REVISION');
  if (!hasRevision(text)) return { url: text };
  const at = text.lastIndexOf('@');
  const url = text.slice(0, at);
  let revision = text.slice(at + 1).replace(/\/+$/, '');
  if (revision.endsWith('.git')) revision = revision.slice(0, -4);
  if (!url || !revision) throw new InvalidInputError(`the repository ${spec} must be in the form URL_OR_PATH[@REVISION]`);
  return { url, revision };
}

/** `NAME=URL_OR_PATH[@REVISION]` (Pegleg's `-e`). */
export function parseNamedRepositorySpec(spec: string): NamedRepositorySpec {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new InvalidInputError(`the repository ${spec} must be in the form NAME=URL_OR_PATH[@REVISION]`);
  return { name: spec.slice(0, eq).trim(), ...parseRepositorySpec(spec.slice(eq + 1)) };
}

/** Whether `url` names a remote (or file://) git repository rather than a local directory. */
export function isGitUrl(url: string): boolean {
  return /^(?:file|https?|ssh|git):\/\//i.test(url) || /^[^/@\s]+@[^/:\s]+:/.test(url);
}

/** The repository's short name (`treasuremap` for `https://host/airship/treasuremap.git`). */
export function repositoryName(url: string): string {
  const trimmed = url.replace(/[/\\]+$/, '').replace(/\.git$/, '');
  const last = trimmed.split(/[/:\\]/).filter(Boolean).pop();
  return last || 'repository';
}
