/** Sites from repositories, as Pegleg assembles them: site definition, repositories, lint, collect. */
export { assembleSite, siteDirectories, SITE_DEFINITION_SCHEMA, MANAGED_DOCUMENT_SCHEMA } from './assemble.js';
export type { AssembleOptions, AssembledSite, AssembledFile, RepositoryInfo } from './assemble.js';
export { lintSite, LINT_CODES } from './lint.js';
export type { LintCode, LintFinding, LintOptions } from './lint.js';
export { collectByRepository, writeCollected, frameFile } from './collect.js';
export { parseRepositorySpec, parseNamedRepositorySpec, isGitUrl, repositoryName } from './repository-spec.js';
export type { RepositorySpec, NamedRepositorySpec } from './repository-spec.js';
export { openTree, isSiteYaml } from './source-tree.js';
export type { SourceTree, SourceFile } from './source-tree.js';
