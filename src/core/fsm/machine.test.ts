import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineMachine, InvalidTransitionError, toMarkdown } from './index.js';

const door = defineMachine({
  name: 'door',
  initial: 'closed',
  states: {
    closed: { stable: true, description: 'shut' },
    opening: { stable: false, description: 'motor running' },
    open: { stable: true, description: 'open' },
  },
  transitions: [
    { from: 'closed', event: 'open', to: 'opening', why: 'start the motor' },
    { from: 'opening', event: 'done', to: 'open', why: 'motor reached the stop' },
    { from: 'open', event: 'close', to: 'closed', why: 'gravity' },
  ],
});

test('next follows the table', () => {
  assert.equal(door.next('closed', 'open'), 'opening');
  assert.equal(door.next('opening', 'done'), 'open');
  assert.deepEqual(door.events('closed'), ['open']);
  assert.deepEqual(door.sources('done'), ['opening']);
  assert.equal(door.isStable('opening'), false);
  assert.equal(door.isState('ajar'), false);
});

test('a move the table lacks is an InvalidTransitionError naming what is allowed', () => {
  assert.throws(() => door.next('closed', 'close'), (e: unknown) => {
    assert.ok(e instanceof InvalidTransitionError);
    assert.equal(e.status, 409);
    assert.match(e.message, /cannot close from state "closed" \(allowed: open\)/);
    return true;
  });
});

test('tables with undeclared states or duplicate moves are rejected at definition', () => {
  assert.throws(() =>
    defineMachine({ name: 'x', initial: 'a', states: { a: { stable: true, description: '' } }, transitions: [{ from: 'a', event: 'e', to: 'b' as 'a', why: '' }] }),
  );
  assert.throws(() =>
    defineMachine({
      name: 'x',
      initial: 'a',
      states: { a: { stable: true, description: '' } },
      transitions: [
        { from: 'a', event: 'e', to: 'a', why: '' },
        { from: 'a', event: 'e', to: 'a', why: '' },
      ],
    }),
  );
});

test('markdown rendering carries every state and transition', () => {
  const md = toMarkdown(door.spec);
  assert.match(md, /stateDiagram-v2/);
  assert.match(md, /closed --> opening: open/);
  assert.match(md, /\| opening \| done \| open \| motor reached the stop \|/);
});
