// A queue item's lifecycle moves (machines.ts itemMachine). The pass sets
// the item's window flag and failing reasons as Zuul does; the state they
// add up to is reached only along the table.

import { itemMachine } from '../machines.js';
import type { ItemState, QueueItem } from '../model.js';

/** The state an item's flags say it is in (also for items persisted before items had a state). */
export function itemStateOf(item: Pick<QueueItem, 'active' | 'failingReasons'>): ItemState {
  if (item.failingReasons.length > 0) return 'failing';
  return item.active ? 'active' : 'enqueued';
}

/** Moves an item still in its queue to the state its flags say; no move when it is already there. */
export function settleItem(item: QueueItem): void {
  const target = itemStateOf(item);
  let s = item.state;
  if (s === target) return;
  if (target === 'failing') s = itemMachine.next(s, 'fail');
  else {
    if (s === 'failing') s = itemMachine.next(s, 'recover');
    if (target === 'active' && s === 'enqueued') s = itemMachine.next(s, 'activate');
    else if (target === 'enqueued' && s === 'active') s = itemMachine.next(s, 'deactivate');
  }
  item.state = s;
}

/** The item left its queue. */
export function dequeueItem(item: QueueItem): void {
  item.state = itemMachine.next(item.state, 'dequeue');
}
