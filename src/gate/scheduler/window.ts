// A dependent pipeline's window (Zuul's ChangeQueue window): how many items
// at the head of a queue are tested at once. It grows after each merge and
// shrinks after each failure, between a floor and an optional ceiling.
// A window of 0 means unlimited and never changes.

import type { WindowSettings } from '../model.js';

/** Whether the item at `index` (0 = head) lies within the window. */
export function isActionable(window: number, index: number): boolean {
  return window === 0 || index < window;
}

export function increaseWindow(window: number, s: WindowSettings): number {
  if (window === 0) return 0;
  const next = s.increaseType === 'linear' ? window + s.increaseFactor : window * s.increaseFactor;
  return s.ceiling === null ? next : Math.min(s.ceiling, next);
}

export function decreaseWindow(window: number, s: WindowSettings): number {
  if (window === 0) return 0;
  const next = s.decreaseType === 'linear' ? window - s.decreaseFactor : Math.floor(window / s.decreaseFactor);
  return Math.max(s.floor, next);
}

/** Zuul's defaults for a dependent pipeline. */
export const DEFAULT_WINDOW: WindowSettings = {
  window: 20,
  floor: 3,
  ceiling: null,
  increaseType: 'linear',
  increaseFactor: 1,
  decreaseType: 'exponential',
  decreaseFactor: 2,
};
