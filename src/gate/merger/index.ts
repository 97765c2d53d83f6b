export { git, GitError, gitEnv, resolveCommit, isAncestor, readCommit, changedFiles, type GitIdentity, type GitResult } from './git.js';
export { RepoCache, KeyedLock } from './repo-cache.js';
export { Merger, MERGE_MODES, copyCommits, identity, type MergeMode, type MergeRequest, type MergeResult, type Commits } from './merger.js';
export { advanceBranch, type SubmitResult } from './submit.js';
