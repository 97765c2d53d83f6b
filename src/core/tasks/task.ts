/** A durable unit of work: persisted, leased to one owner at a time, resumable. */
export type TaskState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const FINISHED: readonly TaskState[] = ['succeeded', 'failed', 'cancelled'];

export interface Task<P = unknown> {
  id: string;
  kind: string;
  /** What the task acts on (a node UUID, an item id): for lookups, not locking. */
  subject: string | null;
  state: TaskState;
  payload: P;
  result: unknown;
  error: string | null;
  progress: unknown;
  owner: string | null;
  leaseExpiresAt: number | null;
  /** Claims so far, this one included. More than one means an earlier owner died or the task was retried. */
  attempts: number;
  maxAttempts: number;
  cancelRequested: boolean;
  runAfter: number;
  createdAt: number;
  updatedAt: number;
}

export interface NewTask<P = unknown> {
  kind: string;
  subject?: string;
  payload: P;
  maxAttempts?: number;
  /** Epoch ms before which no runner claims it. */
  runAfter?: number;
  id?: string;
}

/** Thrown by a handler to ask for another attempt later, up to maxAttempts. */
export class RetryTaskError extends Error {
  constructor(message: string, readonly delayMs = 1000) {
    super(message);
    this.name = 'RetryTaskError';
  }
}

export interface TaskRow {
  id: string;
  kind: string;
  subject: string | null;
  state: string;
  payload: string;
  result: string | null;
  error: string | null;
  progress: string | null;
  owner: string | null;
  lease_expires_at: number | null;
  attempts: number;
  max_attempts: number;
  cancel_requested: number;
  run_after: number;
  created_at: number;
  updated_at: number;
}

export function fromRow<P>(r: TaskRow): Task<P> {
  return {
    id: r.id,
    kind: r.kind,
    subject: r.subject,
    state: r.state as TaskState,
    payload: JSON.parse(r.payload) as P,
    result: r.result === null ? null : JSON.parse(r.result),
    error: r.error,
    progress: r.progress === null ? null : JSON.parse(r.progress),
    owner: r.owner,
    leaseExpiresAt: r.lease_expires_at === null ? null : Number(r.lease_expires_at),
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    cancelRequested: Number(r.cancel_requested) === 1,
    runAfter: Number(r.run_after),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
