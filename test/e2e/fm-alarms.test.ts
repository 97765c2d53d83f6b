// Alarms raised by the situations that cause them, in real `strata server`
// processes: a gate pipeline disabled after consecutive failures (600.001,
// cleared when a restart reconfigures it, as Zuul enables it again), and a
// sandbox lost when its server is killed (600.002, cleared when the
// operator removes it). Read through `strata alarm` and `strata event`.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { GateFixture, JOBS, projectConfig } from '../helpers/gate/fixture.js';
import { api, startServer, strata, type StrataServer, until } from '../helpers/strata.js';
import { join } from 'node:path';
import { killSupervisor } from './sandbox-helpers.js';

const PIPELINES = `
- pipeline:
    name: check
    manager: independent
    disable-after-consecutive-failures: 1
    trigger:
      local:
        - event: patchset-created
    success:
      local:
        Verified: 1
    failure:
      local:
        Verified: -1
`;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function alarms(s: StrataServer, id: string): Promise<any[]> {
  const r = await strata(['--json', 'alarm', 'list', '--query', `alarm_id=${id}`], { env: s.env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}


test('a pipeline disabled after consecutive failures raises 600.001; the restart that enables it clears it', async () => {
  const f = await GateFixture.start({
    config: { 'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': JOBS },
    projects: { 'org/a': { README: 'a\n', '.zuul.yaml': projectConfig({ check: ['unit'] }) } },
  });
  cleanups.push(() => f.stop());
  await f.change('org/a', { 'fail-unit': '' }, 'Broken');
  await f.wait();
  const a = await until('600.001', async () => (await alarms(f.server, '600.001'))[0]);
  assert.equal(a.entity_instance_id, 'tenant=example.pipeline=check');
  assert.equal(a.entity_type_id, 'tenant.pipeline');
  assert.equal(a.severity, 'major');
  assert.match(a.reason_text, /Pipeline check of tenant example was disabled after 1 consecutive failures/);
  const human = await strata(['alarm', 'list'], { env: f.server.env });
  assert.match(human.stdout, /600\.001 .*tenant=example\.pipeline=check +major/);
  const summary = JSON.parse((await strata(['--json', 'alarm', 'summary'], { env: f.server.env })).stdout);
  assert.equal(summary.status, 'degraded');

  await f.restart('SIGTERM');
  await until('600.001 cleared', async () => (await alarms(f.server, '600.001')).length === 0);
  const events = JSON.parse((await strata(['--json', 'event', 'list', '--query', 'event_log_id=600.001'], { env: f.server.env })).stdout);
  assert.deepEqual(events.map((e: any) => e.state), ['clear', 'set']);
});

test('a sandbox lost with its killed server and supervisor raises 600.002; removing it clears it; suppression hides it from lists only', async () => {
  let s = await startServer({ args: ['--modules', 'fm,sandbox'] });
  cleanups.push(() => s.stop());
  const created = await api(s, '/sandbox/api/v1/sandboxes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ runtime: 'process' }) });
  assert.equal(created.status, 201, await created.clone().text());
  const { id } = (await created.json()) as { id: string };
  const dataDir = s.dataDir;
  // a sandbox outlives its server under its supervisor: it is lost when both die
  const { localId } = (await (await api(s, `/sandbox/api/v1/sandboxes/${id}`)).json()) as { localId: string };
  killSupervisor(join(dataDir, 'sandbox'), localId);
  await s.stop('SIGKILL', true);
  s = await startServer({ dataDir, args: ['--modules', 'fm,sandbox'] });
  cleanups.push(() => s.stop());

  const a = await until('600.002', async () => (await alarms(s, '600.002'))[0]);
  assert.equal(a.entity_instance_id, `sandbox=${id}`);
  assert.match(a.reason_text, new RegExp(`Sandbox ${id} \\(project admin\\) was lost`));

  assert.equal((await strata(['event', 'suppress', '600.002'], { env: s.env })).code, 0);
  assert.equal((await alarms(s, '600.002')).length, 0, 'suppressed: not listed');
  const withSuppressed = JSON.parse((await strata(['--json', 'alarm', 'list', '--include-suppress'], { env: s.env })).stdout);
  assert.equal(withSuppressed.filter((x: any) => x.alarm_id === '600.002').length, 1);
  const logged = JSON.parse((await strata(['--json', 'event', 'list', '--query', 'event_log_id=600.002'], { env: s.env })).stdout);
  assert.equal(logged[0].state, 'set', 'still in the event log');
  assert.equal((await strata(['event', 'unsuppress', '600.002'], { env: s.env })).code, 0);

  const removed = await api(s, `/sandbox/api/v1/sandboxes/${id}`, { method: 'DELETE' });
  assert.equal(removed.status, 204);
  assert.equal((await alarms(s, '600.002')).length, 0);
  const events = JSON.parse((await strata(['--json', 'event', 'list', '--query', 'event_log_id=600.002'], { env: s.env })).stdout);
  assert.deepEqual(events.map((e: any) => e.state), ['clear', 'set']);
});
