// Zuul's change matchers (change_matcher.py): whether a change, branch or
// ref is one a job variant or project stanza applies to, by its branch and
// by the files it touches.

import type { ZuulRegex } from './regex.js';

/** The change, branch or ref a matcher is asked about. */
export interface ChangeRef {
  project: string;
  /** Absent for a tag or other non-branch ref. */
  branch?: string;
  ref?: string;
  /** For a tag: the branches containing its commit. */
  containingBranches?: string[];
  /** Files the change touches; absent when unknown (file matchers then match). */
  files?: readonly string[];
}

const COMMIT_MSG = '/COMMIT_MSG';

/** Zuul's BranchMatcher / ImpliedBranchMatcher (change_matcher.py). */
export class BranchMatcher {
  /** The regex; for an implied matcher, null (it compares names exactly). */
  readonly regex: ZuulRegex | null;
  /** For an implied matcher: the branch name. */
  readonly exact?: string;
  private constructor(regex: ZuulRegex | null, exact?: string) {
    this.regex = regex;
    this.exact = exact;
  }

  static regex(regex: ZuulRegex): BranchMatcher {
    return new BranchMatcher(regex);
  }

  /** The matcher Zuul implies for the branch a definition was read from. */
  static implied(branch: string): BranchMatcher {
    return new BranchMatcher(null, branch);
  }

  get implied(): boolean {
    return this.regex === null;
  }

  get pattern(): string {
    return this.regex ? this.regex.pattern : this.exact!;
  }

  private matchBranch(branch: string): boolean {
    return this.regex ? this.regex.match(branch) : this.exact === branch;
  }

  matches(change: ChangeRef): boolean {
    if (change.branch !== undefined) return this.matchBranch(change.branch);
    if (change.ref !== undefined && (this.regex ? this.regex.match(change.ref) : this.exact === change.ref)) return true;
    for (const b of change.containingBranches ?? []) if (this.matchBranch(b)) return true;
    return false;
  }

  toJSON(): unknown {
    return this.regex ? this.regex.toJSON() : { implied: this.exact };
  }
}

/** MatchAny over branch matchers; an empty list is "no matcher". */
export function matchesAnyBranch(matchers: readonly BranchMatcher[] | undefined, change: ChangeRef): boolean {
  if (!matchers || matchers.length === 0) return true;
  return matchers.some((m) => m.matches(change));
}

function changedFiles(change: ChangeRef): string[] | undefined {
  if (!change.files) return undefined;
  return change.files.filter((f) => f !== COMMIT_MSG);
}

/** `files:` — run when any changed file matches (or when files are unknown or none). */
export function matchAnyFiles(regexes: readonly ZuulRegex[], change: ChangeRef): boolean {
  const files = changedFiles(change);
  if (!files || files.length === 0) return true;
  return files.some((f) => regexes.some((r) => r.match(f)));
}

/** `irrelevant-files:` matcher — true when every changed file matches (false when none). */
export function matchAllFiles(regexes: readonly ZuulRegex[], change: ChangeRef): boolean {
  const files = changedFiles(change);
  if (!files || files.length === 0) return false;
  return files.every((f) => regexes.some((r) => r.match(f)));
}
