// Job graphs: a failed parent skips its children; `files` and
// `irrelevant-files` decide which jobs run; a non-voting failure does not
// stop a merge.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GateFixture, gateMessages, PIPELINES, projectConfig } from '../helpers/gate/fixture.js';

const JOBS = `
- job:
    name: base
    parent: null
    timeout: 60
    attempts: 1
    run: "true"
- job:
    name: build
    run: 'test ! -f fail-$GATE_JOB'
- job:
    name: integration
    dependencies: [build]
    run: 'echo integration ran; test ! -f fail-$GATE_JOB'
- job:
    name: docs
    files: ['^docs/.*$']
    run: 'true'
- job:
    name: code
    irrelevant-files: ['^docs/.*$', '^README$']
    run: 'true'
- job:
    name: experimental
    voting: false
    run: 'test ! -f fail-$GATE_JOB'
`;

let f: GateFixture;
before(async () => {
  f = await GateFixture.start({
    config: { 'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': JOBS },
    projects: { 'org/a': { README: 'a\n', '.zuul.yaml': projectConfig({ gate: ['build', 'integration', 'docs', 'code', 'experimental'] }) } },
  });
});
after(async () => {
  await f?.stop();
});

async function jobResults(n: number): Promise<Record<string, string>> {
  const builds = await f.builds(['--change', String(n)]);
  return Object.fromEntries(builds.map((b: any) => [b.job, b.result]));
}

test('a job DAG: a failed parent skips its children; the change does not merge', async () => {
  const c = await f.change('org/a', { 'fail-build': '', 'src/x.c': 'x\n' }, 'Breaks the build');
  await f.approve(c.number);
  await f.wait();
  assert.deepEqual(await jobResults(c.number), { build: 'FAILURE', integration: 'SKIPPED', code: 'SUCCESS', experimental: 'SUCCESS' });
  const shown = await f.show(c.number);
  assert.equal(shown.status, 'NEW');
  const msg = gateMessages(shown).at(-1)!;
  assert.match(msg, /- build \S+ : FAILURE in \d+s\n- integration : SKIPPED\n/);
  // The skipped child never started: it has no log.
  const skipped = (await f.builds(['--change', String(c.number)])).find((b: any) => b.job === 'integration');
  assert.equal(skipped.start_time, null);
  assert.match(skipped.message, /build ended FAILURE/);
});

test('files and irrelevant-files decide which jobs run', async () => {
  const docs = await f.change('org/a', { 'docs/guide.md': '# guide\n' }, 'Docs only');
  await f.approve(docs.number);
  await f.wait();
  assert.deepEqual(Object.keys(await jobResults(docs.number)).sort(), ['build', 'docs', 'experimental', 'integration'], 'code is irrelevant to docs; docs matches');
  const code = await f.change('org/a', { 'src/main.c': 'int main;\n' }, 'Code only');
  await f.approve(code.number);
  await f.wait();
  assert.deepEqual(Object.keys(await jobResults(code.number)).sort(), ['build', 'code', 'experimental', 'integration'], 'docs does not match code');
  for (const c of [docs, code]) assert.equal((await f.show(c.number)).status, 'MERGED');
});

test('a non-voting failure is reported and the change still merges', async () => {
  const c = await f.change('org/a', { 'fail-experimental': '', 'src/y.c': 'y\n' }, 'Fails a non-voting job');
  await f.approve(c.number);
  await f.wait();
  assert.equal((await jobResults(c.number)).experimental, 'FAILURE');
  const shown = await f.show(c.number);
  assert.equal(shown.status, 'MERGED');
  assert.match(gateMessages(shown).at(-2)!, /Build succeeded \(gate pipeline\)\.[\s\S]*- experimental \S+ : FAILURE in \d+s \(non-voting\)/);
  const builds = await f.builds(['--change', String(c.number)]);
  assert.equal(builds.find((b: any) => b.job === 'experimental').voting, false);
});
