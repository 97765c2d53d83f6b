/**
 * Metal's state machines as tables: a node's provision lifecycle
 * (provision.ts, with its verbs, takeover rules and derived state lists) and
 * its power state (power.ts). `scripts/diagrams.ts` renders both.
 */
export * from './provision.js';
export * from './verbs.js';
export * from './takeover.js';
export * from './sets.js';
export * from './power.js';
