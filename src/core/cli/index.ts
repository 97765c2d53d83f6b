/** What every module's cli.ts uses: context, output, the API client. */
export { action, cliContext, fail, defaultDataDir, PACKAGE_ROOT } from './context.js';
export type { CliContext, ServerOption } from './context.js';
export { ApiClient, ApiError, reasonOf } from './api-client.js';
export type { RequestOptions } from './api-client.js';
export { table } from './table.js';
