/**
 * The orchestrator's one decision, pure: given the strategy and its steps,
 * what happens next. Serial runs one step at a time; parallel runs up to
 * max-parallel-subclouds. With stop-on-failure a failed step stops new
 * starts, the ones in progress finish, the rest are skipped (left
 * untouched on their subclouds). An abort does the same without a failure.
 * Level-triggered: the same input gives the same answer, so a controller
 * that restarts after a crash just asks again.
 */
import type { StepState, StrategyState } from './strategy-machines.js';

export interface PlanInput {
  state: StrategyState;
  applyType: 'serial' | 'parallel';
  maxParallel: number;
  stopOnFailure: boolean;
  steps: readonly { subcloud: string; state: StepState }[];
}

export type PlanDecision =
  | { kind: 'start'; subclouds: string[] }
  | { kind: 'wait' }
  | { kind: 'finish'; event: 'all_done' | 'step_failed' | 'drained'; skip: string[] }
  | { kind: 'idle' };

export function plan(p: PlanInput): PlanDecision {
  if (p.state !== 'applying' && p.state !== 'aborting') return { kind: 'idle' };
  const running = p.steps.filter((s) => s.state === 'applying').length;
  const waiting = p.steps.filter((s) => s.state === 'initial').map((s) => s.subcloud);
  const failed = p.steps.some((s) => s.state === 'failed');
  const stopping = p.state === 'aborting' || (failed && p.stopOnFailure);
  if (stopping) {
    if (running > 0) return { kind: 'wait' };
    return { kind: 'finish', event: p.state === 'aborting' ? 'drained' : 'step_failed', skip: waiting };
  }
  const limit = p.applyType === 'serial' ? 1 : Math.max(1, p.maxParallel);
  const room = limit - running;
  if (waiting.length > 0 && room > 0) return { kind: 'start', subclouds: waiting.slice(0, room) };
  if (running > 0) return { kind: 'wait' };
  return { kind: 'finish', event: failed ? 'step_failed' : 'all_done', skip: [] };
}
