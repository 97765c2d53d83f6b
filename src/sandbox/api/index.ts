/** The sandbox module's HTTP side: its routes, its API client and the exec stream's frames. */
export { sandboxRoutes } from './routes.js';
export { streamExec, copyIn, copyOut, parseCopyArg, API, type Fetcher, type ExecOutcome, type ExecControl, type StreamExecOptions } from './client.js';
export * from './frames.js';
export { newId, isId } from './ids.js';
