export { LocalSource, GATE_ACCOUNT, type ChangeView, type ChangeMessage, type ReviewInput } from './local/source.js';
export { parseDependsOn, dependsOnNumber, type DependsOn } from './local/depends-on.js';
