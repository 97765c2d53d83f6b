/** A runner for gabbi's YAML HTTP tests (Deckhand's functional suite is written in it). */
export { parseGabbi, loadGabbiFile, GabbiFormatError, RESPONSE_HANDLERS } from './suite.js';
export type { GabbiSuite, GabbiTest } from './suite.js';
export { GabbiSession, runSuite, describeFailure, loadResponse, pythonEquals, encodeQuery } from './runner.js';
export type { Assertion, Outcome, RunnerOptions, TestResult } from './runner.js';
export { parseJsonPath, findAll, extract, JsonPathError } from './jsonpath.js';
export { replaceTemplate, pythonStr, TemplateError } from './template.js';
export type { TemplateContext, TestRecord } from './template.js';
