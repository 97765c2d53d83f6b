import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GateFixture, gateMessages } from '../helpers/gate/fixture.js';

let f: GateFixture;
before(async () => {
  f = await GateFixture.start();
});
after(async () => {
  await f?.stop();
});

test('three approved changes all merge, in order, each tested on everything ahead of it', async () => {
  const base = await f.tip('org/a');
  // Slow enough that all three are approved while it runs, even on a busy machine.
  const c1 = await f.change('org/a', { 'one.txt': '1\n' }, 'One', { slow: { unit: 10 } });
  const c2 = await f.change('org/b', { 'two.txt': '2\n' }, 'Two');
  const c3 = await f.change('org/a', { 'three.txt': '3\n' }, 'Three');
  await f.wait();
  // The check pipeline verified each.
  for (const c of [c1, c2, c3]) {
    const shown = await f.show(c.number);
    assert.deepEqual(shown.approvals.map((a: any) => [a.type, a.value, a.by.username]), [['Verified', 1, 'zuul']]);
  }
  for (const c of [c1, c2, c3]) await f.approve(c.number);
  await f.wait();

  for (const c of [c1, c2, c3]) {
    const shown = await f.show(c.number);
    assert.equal(shown.status, 'MERGED', JSON.stringify(shown.messages));
    const msgs = gateMessages(shown);
    assert.match(msgs.at(-2)!, /^Patch Set 1: Verified\+2\n\nBuild succeeded \(gate pipeline\)\.\n\n- unit http:\/\/127\.0\.0\.1:\d+\/gate\/api\/builds\/[0-9a-f-]+\/log : SUCCESS in \d+s$/);
    assert.equal(msgs.at(-1), 'Change has been successfully merged by Strata Gate');
  }
  const gate = await f.builds(['--pipeline', 'gate']);
  assert.deepEqual(gate.map((b) => [b.job, b.change, b.changes, b.result, b.voting]), [
    ['unit', '1,1', ['1,1'], 'SUCCESS', true],
    ['unit', '2,1', ['1,1', '2,1'], 'SUCCESS', true],
    ['unit', '3,1', ['1,1', '2,1', '3,1'], 'SUCCESS', true],
  ]);
  // Speculative: the third started before the first (slow) finished.
  assert.ok(gate[2].start_time < gate[0].end_time, 'all three ran at once');
  // The branches hold exactly what was tested: org/a has 1 and 3, org/b has 2.
  assert.equal(await f.fileAtTip('org/a', 'one.txt'), '1\n');
  assert.equal(await f.fileAtTip('org/a', 'three.txt'), '3\n');
  assert.equal(await f.fileAtTip('org/b', 'two.txt'), '2\n');
  assert.deepEqual((await f.log('org/a')).slice(0, 3), ['Merge "Three"', 'One', 'Initial commit']);
  assert.equal(await f.gitIn('org/a', ['merge-base', '--is-ancestor', base, 'refs/heads/main']).catch(() => 'no'), '');
  // Post ran on each branch update.
  const post = await f.builds(['--pipeline', 'post']);
  assert.equal(post.length, 0, 'no post jobs are configured for these projects');
  const status = await f.status();
  assert.equal(status.pipelines.find((p: any) => p.name === 'gate').change_queues[0].window, 23, 'the window grew by one per merge');
});
