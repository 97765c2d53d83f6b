/** Facts about the host that several modules act on, and the small tools they act with (running a program, a build-once cache folder). Light: safe to import from CLI code. */
export { chooseAccelerator, detectAccelerator } from './accelerator.js';
export type { Accelerator } from './accelerator.js';
export { run, runOk, CommandError, DEFAULT_MAX_OUTPUT_BYTES } from './run.js';
export type { RunOptions, RunOkOptions, RunResult } from './run.js';
export { cachedBuild, isBuilt } from './cached-build.js';
export { packageRoot } from './package-root.js';
export { stopOnDeadline } from './stop-on-deadline.js';
export { killGroup } from './kill-group.js';
export type { Deadline } from './stop-on-deadline.js';
export { git, gitBytes, gitEnv, GitError, parseTree, parseBatch, readBlobs } from './git.js';
export type { GitResult, GitIdentity, GitOptions, TreeEntry } from './git.js';
