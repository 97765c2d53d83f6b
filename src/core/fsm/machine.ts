import { ConflictError } from '../errors/index.js';

/**
 * A lifecycle declared as data: its states and the transitions between them.
 * Code never decides a move with `if` chains; it asks the table. The same
 * table renders the diagrams in docs/ (scripts/diagrams.ts).
 */
export interface StateInfo {
  /** Stable states are where a resource rests; the others are transient work. */
  stable: boolean;
  description: string;
}

export interface Transition<S extends string, E extends string> {
  from: S;
  event: E;
  to: S;
  /** One line: why this move exists. */
  why: string;
}

export interface MachineSpec<S extends string, E extends string> {
  name: string;
  initial: S;
  states: Record<S, StateInfo>;
  transitions: readonly Transition<S, E>[];
}

export class InvalidTransitionError extends ConflictError {
  constructor(machine: string, readonly from: string, readonly event: string, allowed: readonly string[]) {
    super(
      `${machine}: cannot ${event} from state "${from}"` +
        (allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (no action is allowed in this state)'),
      { machine, from, event, allowed },
    );
  }
}

export interface Machine<S extends string, E extends string> {
  readonly spec: MachineSpec<S, E>;
  /** The state an event leads to; throws InvalidTransitionError when the table has no such move. */
  next(from: S, event: E): S;
  can(from: S, event: E): boolean;
  /** Events the table allows from a state, in declaration order. */
  events(from: S): E[];
  /** States from which an event is allowed (for guards such as SQL `WHERE state IN (…)`). */
  sources(event: E): S[];
  isStable(state: S): boolean;
  isState(value: string): value is S;
}

export function defineMachine<S extends string, E extends string>(spec: MachineSpec<S, E>): Machine<S, E> {
  const table = new Map<string, S>();
  for (const t of spec.transitions) {
    if (!(t.from in spec.states) || !(t.to in spec.states)) {
      throw new Error(`${spec.name}: transition ${t.from} --${t.event}--> ${t.to} names an undeclared state`);
    }
    const key = `${t.from}\u0000${t.event}`;
    if (table.has(key)) throw new Error(`${spec.name}: duplicate transition ${t.from} --${t.event}-->`);
    table.set(key, t.to);
  }
  if (!(spec.initial in spec.states)) throw new Error(`${spec.name}: initial state ${spec.initial} is undeclared`);

  const events = (from: S): E[] => spec.transitions.filter((t) => t.from === from).map((t) => t.event);
  return {
    spec,
    next(from, event) {
      const to = table.get(`${from}\u0000${event}`);
      if (to === undefined) throw new InvalidTransitionError(spec.name, from, event, events(from));
      return to;
    },
    can: (from, event) => table.has(`${from}\u0000${event}`),
    events,
    sources: (event) => [...new Set(spec.transitions.filter((t) => t.event === event).map((t) => t.from))],
    isStable: (state) => spec.states[state]?.stable ?? false,
    isState: (value): value is S => Object.prototype.hasOwnProperty.call(spec.states, value),
  };
}
