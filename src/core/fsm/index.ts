export { defineMachine, InvalidTransitionError } from './machine.js';
export type { Machine, MachineSpec, StateInfo, Transition } from './machine.js';
export { toMermaid, toMarkdown } from './mermaid.js';
