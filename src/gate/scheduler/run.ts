// One call of a pipeline manager's pure core: its working context (a
// private copy of the pipeline state, the environment, the settings and the
// actions so far), the copies it works on, and what a manager's hooks say
// about how its queues behave.

import type { Changeish, ChangeQueue, PipelineState, QueueItem } from '../model.js';
import type { Action, ManagerEnv, PipelineSettings } from './types.js';

/** One call's working context: the draft state (a private copy), the environment and the actions so far. */
export interface Run {
  settings: PipelineSettings;
  state: PipelineState;
  env: ManagerEnv;
  actions: Action[];
  enqueued: Changeish[];
}

export interface EnqueueAttempt {
  ok: boolean;
  reason?: string;
  /** Not an error: a dependency is not in the queue yet (or must merge first). */
  waiting?: boolean;
  /** Tell the change why (an unallowed cycle). */
  report?: boolean;
}

export interface AddOptions {
  live: boolean;
  quiet: boolean;
  ignoreRequirements: boolean;
  cause: string;
  /** The queue to use (needed changes go into the queue of the change that needs them). */
  queue?: ChangeQueue;
  /** Change keys being enqueued up the call chain (a guard against loops). */
  history: Set<string>;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * A copy of an item deep enough for the core to change it: the item, its
 * build set and its builds. The rest (changes, frozen jobs, commits, files)
 * is never modified once made, so copies share it.
 */
export function cloneItem(item: QueueItem): QueueItem {
  const bs = item.buildSet;
  const builds: Record<string, QueueItem['buildSet']['builds'][string]> = {};
  for (const k in bs.builds) builds[k] = { ...bs.builds[k]! };
  return { ...item, buildSet: { ...bs, builds } };
}

/** A private copy of a pipeline state for one call of the core (see cloneItem). */
export function cloneState(state: PipelineState): PipelineState {
  return {
    ...state,
    queues: state.queues.map((q) => ({ ...q, items: q.items.map(cloneItem) })),
    ...(state.waiting ? { waiting: [...state.waiting] } : {}),
  };
}

export function itemHas(item: QueueItem, key: string): boolean {
  return item.changes.some((c) => c.key === key);
}

/** What the pass needs to know of a manager's hooks (see PipelineManager). */
export interface ManagerTraits {
  windowMoves: boolean;
  handlesDependencies: boolean;
  stopsOnFailingNeeds: boolean;
}

export function describe(c: Changeish): string {
  return c.kind === 'change' ? `change ${c.key}` : `${c.project} ${c.ref}`;
}
