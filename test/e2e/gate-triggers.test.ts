// Triggers and configuration: a recheck comment, a post pipeline on
// ref-updated, a periodic (timer) pipeline, and a change that edits its
// project's configuration, tested with that configuration; invalid
// configuration is reported with file and line and never replaces the
// last good one.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GateFixture, gateMessages, JOBS, PIPELINES, projectConfig } from '../helpers/gate/fixture.js';

const EXTRA_JOBS = `
- job:
    name: publish
    run: 'echo publishing $GATE_REF at $GATE_NEWREV'
- job:
    name: nightly
    run: 'echo nightly on $GATE_BRANCH'
`;

const PERIODIC = `
- pipeline:
    name: periodic
    manager: independent
    post-review: true
    precedence: low
    trigger:
      timer:
        - time: '* * * * * */2'
`;

let f: GateFixture;
before(async () => {
  f = await GateFixture.start({
    config: { 'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': JOBS + EXTRA_JOBS },
    projects: { 'org/a': { README: 'a\n', '.zuul.yaml': projectConfig({ check: ['unit'], gate: ['unit'], post: ['publish'] }) } },
  });
});
after(async () => {
  await f?.stop();
});

test('a recheck comment runs the check pipeline again; other comments do not', async () => {
  const c = await f.change('org/a', { 'fail-unit': '' }, 'Fails its check');
  await f.wait();
  await f.cli(['change', 'review', String(c.number), '--message', 'looks good to me']);
  await f.wait();
  assert.equal((await f.builds(['--change', String(c.number), '--pipeline', 'check'])).length, 1);
  await f.cli(['change', 'review', String(c.number), '--message', 'recheck']);
  await f.wait();
  const builds = await f.builds(['--change', String(c.number), '--pipeline', 'check']);
  assert.deepEqual(builds.map((b) => b.result), ['FAILURE', 'FAILURE']);
  const verdicts = gateMessages(await f.show(c.number));
  assert.equal(verdicts.filter((m) => /Build failed \(check pipeline\)/.test(m)).length, 2);
});

test('check: a change is tested together with the open change it depends on, which is not reported on', async () => {
  const dep = await f.change('org/a', { 'dep.txt': 'd\n' }, 'Dependency');
  await f.wait();
  const before = gateMessages(await f.show(dep.number)).length;
  const c = await f.change('org/a', { 'user.txt': 'u\n' }, `Uses it\n\nDepends-On: ${dep.number}`);
  await f.wait();
  const builds = await f.builds(['--change', String(c.number), '--pipeline', 'check']);
  assert.deepEqual(builds.map((b) => [b.change, b.changes, b.result]), [[`${c.number},1`, [`${dep.number},1`, `${c.number},1`], 'SUCCESS']]);
  assert.equal(gateMessages(await f.show(dep.number)).length, before, 'the dependency, a non-live item here, got no report');
  assert.match(gateMessages(await f.show(c.number)).at(-1)!, /Build succeeded \(check pipeline\)/);
});

test('post: a merge updates the branch, and the ref-updated event runs the post pipeline on the new commit', async () => {
  const c = await f.change('org/a', { 'post.txt': 'x\n' }, 'To be published');
  await f.approve(c.number);
  await f.wait();
  assert.equal((await f.show(c.number)).status, 'MERGED');
  const tip = await f.tip('org/a');
  const post = await f.builds(['--pipeline', 'post']);
  assert.equal(post.length, 1);
  assert.equal(post[0].job, 'publish');
  assert.equal(post[0].ref, 'refs/heads/main');
  assert.equal(post[0].change, null);
  assert.equal(post[0].result, 'SUCCESS');
  const log = await (await fetch(post[0].log_url, { headers: { authorization: `Bearer ${f.server.token}` } })).text();
  assert.match(log, new RegExp(`publishing refs/heads/main at ${tip}`));
});

test('a change editing its project configuration is tested with it, speculatively; once merged it applies to every change', async () => {
  const c = await f.change('org/a', { '.zuul.yaml': projectConfig({ check: ['unit'], gate: ['unit', 'lint'], post: ['publish'] }) }, 'Add lint to the gate');
  await f.approve(c.number);
  await f.wait();
  assert.deepEqual((await f.builds(['--change', String(c.number), '--pipeline', 'gate'])).map((b) => b.job).sort(), ['lint', 'unit'], 'its own config ran lint');
  assert.equal((await f.show(c.number)).status, 'MERGED');
  const next = await f.change('org/a', { 'n.txt': 'n\n' }, 'After the config change');
  await f.approve(next.number);
  await f.wait();
  assert.deepEqual((await f.builds(['--change', String(next.number), '--pipeline', 'gate'])).map((b) => b.job).sort(), ['lint', 'unit'], 'the merged config is in use');
});

test('invalid configuration in a change is reported with file, line and reason, and never replaces the last good one', async () => {
  const broken = `- project:\n    gate:\n      jobs:\n        - unit\n        - no-such-job\n`;
  const c = await f.change('org/a', { '.zuul.yaml': broken }, 'Reference an unknown job');
  await f.approve(c.number);
  const yaml = await f.change('org/a', { '.zuul.yaml': '- project:\n    gate: [unclosed\n' }, 'Invalid YAML');
  await f.approve(yaml.number);
  await f.wait();
  const s1 = await f.show(c.number);
  assert.equal(s1.status, 'NEW');
  const m1 = gateMessages(s1).at(-1)!;
  assert.match(m1, /^Patch Set 1: Verified-2\n\nThis change has a configuration error/);
  assert.match(m1, /org\/a\/\.zuul\.yaml@main:\d+/);
  assert.match(m1, /no-such-job/);
  const m2 = gateMessages(await f.show(yaml.number)).at(-1)!;
  assert.match(m2, /org\/a\/\.zuul\.yaml@main:\d+/);
  assert.deepEqual(await f.builds(['--change', String(c.number), '--pipeline', 'gate']), [], 'nothing ran with the broken config');
  // The current configuration still works.
  const ok = await f.change('org/a', { 'ok.txt': 'ok\n' }, 'A fine change');
  await f.approve(ok.number);
  await f.wait();
  assert.equal((await f.show(ok.number)).status, 'MERGED');
  assert.deepEqual((await f.status()).config_errors, []);
});

test('a periodic pipeline runs on its timer', async () => {
  const p = await GateFixture.start({
    config: { 'zuul.d/pipelines.yaml': PIPELINES + PERIODIC, 'zuul.d/jobs.yaml': JOBS + EXTRA_JOBS },
    projects: { 'org/a': { README: 'a\n', '.zuul.yaml': projectConfig({ periodic: ['nightly'] }) } },
  });
  try {
    const deadline = Date.now() + 30_000;
    let builds: any[] = [];
    while (Date.now() < deadline) {
      builds = await p.get<any[]>('/gate/api/builds?pipeline=periodic');
      if (builds.filter((b) => b.result === 'SUCCESS').length >= 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const done = builds.filter((b) => b.result === 'SUCCESS');
    assert.ok(done.length >= 2, `the timer fired at least twice: ${JSON.stringify(builds)}`);
    assert.equal(done[0].job, 'nightly');
    assert.equal(done[0].ref, 'refs/heads/main');
    assert.ok(done[1].start_time - done[0].start_time >= 1000, 'fired on the 2 s schedule');
  } finally {
    await p.stop();
  }
});
