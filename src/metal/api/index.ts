/** The Ironic-compatible bare-metal REST API (mounted at /baremetal). */
export { baremetalApi, ALL_ROUTES } from './plugin.js';
export type { ApiDeps, Routes } from './deps.js';
export { ctx, loadNode, viewNode, viewNodes } from './deps.js';
export { MIN_MINOR, MAX_MINOR, MIN_VERSION, MAX_VERSION, negotiate, requestedVersion } from './version.js';
export { errorBody, ironicErrorHandler } from './errors.js';
export { apiContext, authorizeNode, type ApiContext, type NodeAction } from './context.js';
