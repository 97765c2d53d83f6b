// The window of a dependent pipeline: only so many items are tested at
// once; the window grows after merges (and shrinks after failures).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GateFixture, JOBS, PIPELINES, projectConfig } from '../helpers/gate/fixture.js';

const WINDOWED = PIPELINES.replace('    manager: dependent\n', '    manager: dependent\n    window: 2\n    window-floor: 1\n    window-increase-type: linear\n    window-increase-factor: 1\n');

let f: GateFixture;
before(async () => {
  f = await GateFixture.start({
    config: { 'zuul.d/pipelines.yaml': WINDOWED, 'zuul.d/jobs.yaml': JOBS },
    projects: { 'org/a': { README: 'a\n', '.zuul.yaml': projectConfig({ gate: ['unit'] }) } },
  });
});
after(async () => {
  await f?.stop();
});

test('the window limits how many items are tested at once, and grows after each merge', async () => {
  const changes: Array<{ number: number }> = [];
  // The first is slow, so that the approvals are all in while it runs.
  for (let i = 1; i <= 5; i++) changes.push(await f.change('org/a', { [`w${i}.txt`]: `${i}\n` }, `Windowed ${i}`, { slow: { unit: i === 1 ? 20 : 2 } }));
  for (const c of changes) await f.approve(c.number);
  // While the first two run, the others wait outside the window.
  const status = await f.status();
  const queue = status.pipelines.find((p: any) => p.name === 'gate').change_queues[0];
  assert.equal(queue.window, 2);
  const items = queue.heads.flat();
  assert.equal(items.length, 5);
  assert.equal(items[0].jobs[0].status, 'running', 'the slow head is still running');
  const active = items.filter((i: any) => i.active).map((i: any) => i.id);
  assert.equal(active.length, 2, `at most two items active: ${JSON.stringify(items.map((i: any) => [i.id, i.active]))}`);
  await f.wait();
  for (const c of changes) assert.equal((await f.show(c.number)).status, 'MERGED');
  const builds = await f.builds(['--pipeline', 'gate']);
  assert.equal(builds.length, 5, 'each change was tested once');
  // Never more than the window's worth of builds ran at the same time.
  const events = builds.flatMap((b: any) => [[b.start_time, 1], [b.end_time, -1]]).sort((x: number[], y: number[]) => x[0]! - y[0]! || x[1]! - y[1]!);
  let running = 0;
  let most = 0;
  for (const [, d] of events) most = Math.max(most, (running += d!));
  assert.ok(most <= 3, `builds at once: ${most}`);
  // The third change started only after the first merged (the window was 2).
  const merged1 = (await f.show(changes[0]!.number)).messages.find((m: any) => m.message.includes('successfully merged')).date;
  const start3 = builds.find((b: any) => b.change === `${changes[2]!.number},1`).start_time;
  assert.ok(start3 >= merged1, 'the third waited for the window');
  const after = (await f.status()).pipelines.find((p: any) => p.name === 'gate').change_queues[0];
  assert.equal(after.window, 7, 'grew by one per merge: 2 + 5');
});
