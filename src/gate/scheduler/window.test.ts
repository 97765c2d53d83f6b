import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_WINDOW, decreaseWindow, increaseWindow, isActionable } from './window.js';

test('window 0 is unlimited and never moves', () => {
  assert.equal(isActionable(0, 10_000), true);
  assert.equal(increaseWindow(0, DEFAULT_WINDOW), 0);
  assert.equal(decreaseWindow(0, DEFAULT_WINDOW), 0);
});

test('actionable means within the first `window` items', () => {
  assert.equal(isActionable(2, 0), true);
  assert.equal(isActionable(2, 1), true);
  assert.equal(isActionable(2, 2), false);
});

test('linear increase, exponential decrease, floor and ceiling (Zuul defaults)', () => {
  assert.equal(increaseWindow(20, DEFAULT_WINDOW), 21);
  assert.equal(decreaseWindow(20, DEFAULT_WINDOW), 10);
  assert.equal(decreaseWindow(5, DEFAULT_WINDOW), 3);
  assert.equal(decreaseWindow(3, DEFAULT_WINDOW), 3);
  const capped = { ...DEFAULT_WINDOW, ceiling: 4 };
  assert.equal(increaseWindow(4, capped), 4);
  assert.equal(increaseWindow(3, capped), 4);
});

test('exponential increase and linear decrease', () => {
  const s = { ...DEFAULT_WINDOW, increaseType: 'exponential' as const, increaseFactor: 3, decreaseType: 'linear' as const, decreaseFactor: 2, floor: 1 };
  assert.equal(increaseWindow(2, s), 6);
  assert.equal(decreaseWindow(6, s), 4);
  assert.equal(decreaseWindow(2, s), 1);
  assert.equal(decreaseWindow(1, s), 1);
});
