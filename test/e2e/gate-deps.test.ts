// Dependencies: Depends-On across projects in a shared queue and in
// unshared queues, git parents, a rejected and an allowed dependency cycle.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GateFixture, gateMessages, JOBS, PIPELINES, projectConfig } from '../helpers/gate/fixture.js';

const QUEUES = `
- queue:
    name: cyclic
    allow-circular-dependencies: true
`;

let f: GateFixture;
before(async () => {
  const gate = { gate: ['unit'] };
  f = await GateFixture.start({
    config: { 'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': JOBS, 'zuul.d/queues.yaml': QUEUES },
    projects: {
      'org/a': { README: 'a\n', '.zuul.yaml': projectConfig(gate, '    queue: integrated\n') },
      'org/b': { README: 'b\n', '.zuul.yaml': projectConfig(gate, '    queue: integrated\n') },
      'org/c': { README: 'c\n', '.zuul.yaml': projectConfig(gate) },
      'org/d': { README: 'd\n', '.zuul.yaml': projectConfig(gate, '    queue: cyclic\n') },
      'org/e': { README: 'e\n', '.zuul.yaml': projectConfig(gate, '    queue: cyclic\n') },
    },
  });
});
after(async () => {
  await f?.stop();
});

async function gateBuilds(n: number): Promise<any[]> {
  return f.builds(['--change', String(n), '--pipeline', 'gate']);
}

test('Depends-On across two projects in a shared queue: the approved change waits, then follows its dependency in', async () => {
  const a = await f.change('org/a', { 'a1.txt': '1\n' }, 'Library change');
  const b = await f.change('org/b', { 'b1.txt': '1\n' }, `Uses the library change\n\nDepends-On: ${f.server.url}/gate/changes/${a.number}`);
  await f.approve(b.number);
  await f.wait();
  assert.equal((await f.show(b.number)).status, 'NEW', 'its dependency is not approved: it waits');
  assert.deepEqual(await gateBuilds(b.number), []);
  await f.approve(a.number);
  await f.wait();
  assert.equal((await f.show(a.number)).status, 'MERGED');
  assert.equal((await f.show(b.number)).status, 'MERGED');
  assert.deepEqual((await gateBuilds(b.number)).at(-1).changes, [`${a.number},1`, `${b.number},1`], 'tested on top of its dependency');
  assert.deepEqual((await f.show(b.number)).dependsOn.map((d: any) => d.number), [a.number]);
});

test('Depends-On across unshared queues: the dependency must merge first, then the change enters', async () => {
  const a = await f.change('org/a', { 'a2.txt': '2\n' }, 'Needed elsewhere');
  const c = await f.change('org/c', { 'c2.txt': '2\n' }, `Needs org/a's change\n\nDepends-On: ${a.number}`);
  await f.approve(c.number);
  await f.wait();
  assert.equal((await f.show(c.number)).status, 'NEW');
  assert.deepEqual(await gateBuilds(c.number), [], 'not enqueued: org/c does not share a queue with org/a');
  await f.approve(a.number);
  await f.wait();
  assert.equal((await f.show(a.number)).status, 'MERGED');
  const shown = await f.show(c.number);
  assert.equal(shown.status, 'MERGED', JSON.stringify(shown.messages));
  assert.deepEqual((await gateBuilds(c.number)).map((b) => b.changes), [[`${c.number},1`]], 'tested alone, on a branch that has its dependency');
});

test('git parents are dependencies: a stacked change follows its parent in', async () => {
  const parent = await f.change('org/a', { 'p.txt': 'p\n' }, 'Parent');
  const child = await f.change('org/a', { 'q.txt': 'q\n' }, 'Child', { parent: parent.commit });
  assert.deepEqual((await f.show(child.number)).dependsOn, [{ number: parent.number, patchset: 1, via: 'git-parent' }]);
  await f.approve(child.number);
  await f.approve(parent.number);
  await f.wait();
  assert.equal((await f.show(parent.number)).status, 'MERGED');
  assert.equal((await f.show(child.number)).status, 'MERGED');
  assert.deepEqual((await f.log('org/a')).slice(0, 2), ['Child', 'Parent'], 'fast-forward: the branch has the patchsets themselves');
});

async function cycle(p: string, q: string): Promise<[{ number: number }, { number: number }]> {
  const x = await f.change(p, { [`${p.split('/')[1]}x.txt`]: 'x\n' }, 'Cycle, first');
  const y = await f.change(q, { [`${q.split('/')[1]}y.txt`]: 'y\n' }, `Cycle, second\n\nDepends-On: ${x.number}`);
  const x2 = await f.repos.commit(p, { [`${p.split('/')[1]}x.txt`]: 'x\n' }, `Cycle, first\n\nDepends-On: ${y.number}`);
  await f.cli(['change', 'update', String(x.number), '--commit', x2]);
  return [x, y];
}

test('a dependency cycle is rejected, with a message on the change, when the queue does not allow it', async () => {
  const tipA = await f.tip('org/a');
  const [x, y] = await cycle('org/a', 'org/b');
  await f.approve(x.number);
  await f.approve(y.number);
  await f.wait();
  for (const c of [x, y]) {
    const shown = await f.show(c.number);
    assert.equal(shown.status, 'NEW');
    assert.match(gateMessages(shown).at(-1)!, /Dependency cycle detected \(changes \d+,\d+, \d+,\d+\) and queue integrated does not allow circular dependencies/);
    assert.deepEqual(await gateBuilds(c.number), []);
  }
  assert.equal(await f.tip('org/a'), tipA);
});

test('an allowed dependency cycle is one item: tested together, merged together', async () => {
  const [x, y] = await cycle('org/d', 'org/e');
  await f.approve(x.number);
  await f.approve(y.number);
  await f.wait();
  for (const c of [x, y]) assert.equal((await f.show(c.number)).status, 'MERGED');
  const builds = [...await gateBuilds(x.number), ...await gateBuilds(y.number)];
  const ks = [`${x.number},2`, `${y.number},1`];
  assert.ok(builds.length >= 2);
  for (const b of builds) assert.deepEqual(b.changes, ks, 'each job saw both changes');
  assert.equal(await f.fileAtTip('org/d', 'dx.txt'), 'x\n');
  assert.equal(await f.fileAtTip('org/e', 'ey.txt'), 'y\n');
});
