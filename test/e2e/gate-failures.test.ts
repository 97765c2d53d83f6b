// Failures in a dependent pipeline, against real repositories and real
// processes: a failing change at the head, in the middle, two failing
// changes, a merge conflict, abandon mid-build, a new patchset.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GateFixture, gateMessages } from '../helpers/gate/fixture.js';

let f: GateFixture;
before(async () => {
  f = await GateFixture.start({ check: false });
});
after(async () => {
  await f?.stop();
});

async function gateBuilds(n: number): Promise<any[]> {
  return (await f.builds(['--change', String(n), '--pipeline', 'gate']));
}

/** The build that decided the change's fate: its last one. */
async function lastGateBuild(n: number): Promise<any> {
  const b = await gateBuilds(n);
  return b.at(-1);
}

async function approveAll(...changes: Array<{ number: number }>): Promise<void> {
  for (const c of changes) await f.approve(c.number);
  await f.wait();
}

test('a failing change at the head is reported; the changes behind it are retested without it and merge', async () => {
  // Slow to fail, so that the others are tested on top of it first.
  const c1 = await f.change('org/a', { 'fail-unit': '', 'h1.txt': '1\n' }, 'Head, broken', { slow: { unit: 12 } });
  const c2 = await f.change('org/a', { 'h2.txt': '2\n' }, 'Behind one');
  const c3 = await f.change('org/b', { 'h3.txt': '3\n' }, 'Behind two');
  await approveAll(c1, c2, c3);

  const s1 = await f.show(c1.number);
  assert.equal(s1.status, 'NEW');
  assert.match(gateMessages(s1).at(-1)!, /^Patch Set 1: Verified-2\n\nBuild failed \(gate pipeline\)\.\n\n- unit \S+ : FAILURE in \d+s$/);
  assert.deepEqual(s1.approvals.filter((a: any) => a.type === 'Verified').map((a: any) => a.value), [-2]);
  for (const c of [c2, c3]) assert.equal((await f.show(c.number)).status, 'MERGED');
  assert.deepEqual((await lastGateBuild(c2.number)).changes, ['2,1']);
  const last3 = await lastGateBuild(c3.number);
  assert.equal(last3.changes.at(-1), '3,1');
  assert.ok(!last3.changes.includes('1,1'), 'retested without the failing change');
  assert.equal(await f.fileAtTip('org/a', 'h1.txt'), null, 'the failing change never merged');
  assert.equal(await f.fileAtTip('org/a', 'h2.txt'), '2\n');
  // Change 2 was first tested on top of 1 (and failed or was cancelled), then alone.
  const first2 = (await gateBuilds(c2.number))[0];
  assert.deepEqual(first2.changes, ['1,1', '2,1']);
  assert.ok(['FAILURE', 'ABORTED'].includes(first2.result));
});

test('a failing change in the middle waits for the head, then reports; the one behind skips it', async () => {
  const c4 = await f.change('org/a', { 'm4.txt': '4\n' }, 'Head, fine and slow', { slow: { unit: 2 } });
  const c5 = await f.change('org/a', { 'fail-unit': '', 'm5.txt': '5\n' }, 'Middle, broken');
  const c6 = await f.change('org/a', { 'm6.txt': '6\n' }, 'Tail, fine');
  await approveAll(c4, c5, c6);
  assert.equal((await f.show(c4.number)).status, 'MERGED');
  assert.equal((await f.show(c5.number)).status, 'NEW');
  assert.equal((await f.show(c6.number)).status, 'MERGED');
  const last6 = await lastGateBuild(c6.number);
  assert.equal(last6.result, 'SUCCESS');
  assert.ok(!last6.changes.includes(`${c5.number},1`), 'the change behind was retested without the failing one');
  const fail5 = (await f.show(c5.number)).messages.find((m: any) => m.message.includes('Build failed (gate pipeline)'));
  const merged4 = (await f.show(c4.number)).messages.find((m: any) => m.message.includes('successfully merged'));
  assert.ok(fail5.date >= merged4.date, 'the failing item reported only once nothing was ahead of it');
});

test('two failing changes: the others merge, tested on exactly what merged', async () => {
  const c7 = await f.change('org/b', { 'fail-unit': '', 't7.txt': '7\n' }, 'Broken one');
  const c8 = await f.change('org/b', { 't8.txt': '8\n' }, 'Fine one');
  const c9 = await f.change('org/a', { 'fail-unit': '', 't9.txt': '9\n' }, 'Broken two');
  const c10 = await f.change('org/a', { 't10.txt': '10\n' }, 'Fine two');
  await approveAll(c7, c8, c9, c10);
  assert.deepEqual(await Promise.all([c7, c8, c9, c10].map(async (c) => (await f.show(c.number)).status)), ['NEW', 'MERGED', 'NEW', 'MERGED']);
  const last10 = await lastGateBuild(c10.number);
  assert.equal(last10.result, 'SUCCESS');
  assert.equal(last10.changes.at(-1), `${c10.number},1`);
  for (const bad of [c7, c9]) assert.ok(!last10.changes.includes(`${bad.number},1`), `merged change tested with failing ${bad.number}`);
  assert.equal(await f.fileAtTip('org/a', 't9.txt'), null);
  assert.equal(await f.fileAtTip('org/b', 't7.txt'), null);
  assert.equal(await f.fileAtTip('org/b', 't8.txt'), '8\n');
  for (const c of [c7, c9]) assert.match(gateMessages(await f.show(c.number)).at(-1)!, /Build failed/);
});

test('a merge conflict reports Merge Failed on the change and dequeues it; the rest merge', async () => {
  const c11 = await f.change('org/a', { 'conflict.txt': 'mine\n' }, 'Conflict, first');
  const c12 = await f.change('org/a', { 'conflict.txt': 'theirs\n' }, 'Conflict, second');
  const c13 = await f.change('org/b', { 'c13.txt': '13\n' }, 'Unrelated');
  await approveAll(c11, c12, c13);
  assert.equal((await f.show(c11.number)).status, 'MERGED');
  assert.equal((await f.show(c13.number)).status, 'MERGED');
  const s12 = await f.show(c12.number);
  assert.equal(s12.status, 'NEW');
  const msg = gateMessages(s12).at(-1)!;
  assert.match(msg, /^Patch Set 1: Verified-2\n\nMerge Failed\./);
  assert.match(msg, new RegExp(`${c12.number},1 cannot be merged onto [0-9a-f]{12} of org/a main`));
  assert.deepEqual(await gateBuilds(c12.number), [], 'nothing ran for a change that does not merge');
  assert.equal(await f.fileAtTip('org/a', 'conflict.txt'), 'mine\n');
});

test('abandon mid-build: the build is aborted, the item leaves, nothing merges', async () => {
  const c = await f.change('org/a', { 'ab.txt': 'x\n' }, 'To be abandoned', { slow: { unit: 20 } });
  const tip = await f.tip('org/a');
  await f.approve(c.number);
  const running = await f.waitRunning(c.number);
  await f.cli(['change', 'abandon', String(c.number), '--message', 'changed my mind']);
  await f.wait();
  const shown = await f.show(c.number);
  assert.equal(shown.status, 'ABANDONED');
  assert.equal(await f.tip('org/a'), tip);
  const b = (await gateBuilds(c.number)).find((x) => x.uuid === running.uuid);
  assert.equal(b.result, 'ABORTED');
  assert.ok(b.end_time - b.start_time < 15_000, 'killed before its 20 s sleep ended');
  assert.equal((await f.status()).pipelines.every((p: any) => p.change_queues.every((q: any) => q.heads.length === 0)), true);
});

test('a new patchset dequeues the old one and the changes that depend on it', async () => {
  const base = await f.tip('org/b');
  const dep = await f.change('org/b', { 'np.txt': 'v1\n' }, 'Needed', { slow: { unit: 20 } });
  const needing = await f.change('org/b', { 'np2.txt': 'x\n' }, `Needing\n\nDepends-On: ${dep.number}`);
  await f.approve(dep.number);
  await f.approve(needing.number);
  await f.waitRunning(dep.number);
  const v2 = await f.repos.commit('org/b', { 'np.txt': 'v2\n' }, 'Needed, take two', { parent: base });
  await f.cli(['change', 'update', String(dep.number), '--commit', v2]);
  await f.wait();
  assert.equal((await f.show(dep.number)).status, 'NEW');
  const s = await f.show(needing.number);
  assert.equal(s.status, 'NEW');
  assert.match(gateMessages(s).at(-1)!, /This change depends on a change that failed to merge: change \d+,2 is neither merged nor ahead of it in the queue\.$/);
  const depBuilds = await gateBuilds(dep.number);
  assert.equal(depBuilds[0].result, 'ABORTED');
  assert.equal(await f.tip('org/b'), base, 'nothing merged');
  // The approval went with the old patchset: the new one is not in the gate.
  assert.deepEqual((await f.show(dep.number)).approvals, []);
  assert.ok(!depBuilds.some((b) => b.change === `${dep.number},2`));
});
