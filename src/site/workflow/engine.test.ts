import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { silentLogger, TaskRunner, TaskStore, type Principal, type Store } from '../../core/index.js';
import { storesUnderTest } from '../../core/testing/index.js';
import { dumpYamlStream, type Document } from '../documents/index.js';
import { DeckhandService, keyedRedactor } from '../api/index.js';
import { RevisionStore, revisionMigrations, sha256Hasher } from '../revisions/index.js';
import { ActionStore, workflowMigrations } from './action-store.js';
import { ConfigDocs, CommitRefused } from './configdocs.js';
import { WorkflowEngine } from './engine.js';
import { sampleSite, type SampleSiteOptions } from './testing.js';
import { FakeMachines, FakeWorkloads } from './testing-ports.js';
import { WORKFLOW_DATA_SCHEMAS } from './schemas.js';
import { planIsEmpty } from './plan.js';

const stores = storesUnderTest({ site: { ...revisionMigrations, ...workflowMigrations } });
after(() => stores.close());
const admin: Principal = { tokenId: 't', name: 'operator', role: 'admin', project: 'admin' };

async function setup(store: Store) {
  const sealer = { seal: (s: string) => s, open: (s: string) => s };
  const revisions = new RevisionStore(store, sealer);
  const key = randomBytes(32);
  const deckhand = new DeckhandService({ store: revisions, hasher: sha256Hasher(key), redactor: keyedRedactor(key), extraDataSchemas: WORKFLOW_DATA_SCHEMAS });
  const configdocs = new ConfigDocs(revisions, deckhand);
  const actions = new ActionStore(store.db);
  const tasks = new TaskRunner(new TaskStore(store), { leaseMs: 1000, pollMs: 10, log: silentLogger() });
  const machines = new FakeMachines();
  const workloads = new FakeWorkloads();
  const engine = new WorkflowEngine({ actions, tasks, configdocs, machines, workloads, log: silentLogger() }, { pollMs: 5, nodeTimeoutMs: 5000 });
  engine.register();
  tasks.start();
  const commit = async (o: SampleSiteOptions = {}, docs: Document[] = sampleSite(o)) => {
    await configdocs.put('site', dumpYamlStream(docs), 'replace', admin);
    return configdocs.commit({});
  };
  const run = async (name: string, parameters: Record<string, unknown> = {}) => {
    const a = await engine.create(name, parameters, admin);
    return waitEnd(a.id);
  };
  const waitEnd = async (id: string) => {
    for (let i = 0; i < 1000; i++) {
      const a = await actions.get(id);
      if (a.lifecycle === 'Complete' || a.lifecycle === 'Failed') return { action: a, steps: await actions.steps(id) };
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`action ${id} did not end: ${JSON.stringify((await actions.steps(id)).map((s) => [s.id, s.state]))}`);
  };
  return { revisions, configdocs, actions, tasks, machines, workloads, engine, commit, run, waitEnd, stop: () => tasks.stop() };
}

const states = (steps: { id: string; state: string }[]) => Object.fromEntries(steps.map((s) => [s.id, s.state]));

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`site workflow engine on ${kind}`, () => {
    test('deploy_site deploys every group and chart group; a second update_site does nothing', async () => {
      const w = await setup(await stores[kind]());
      try {
        await w.commit();
        const { action, steps } = await w.run('deploy_site');
        assert.equal(action.lifecycle, 'Complete', JSON.stringify(states(steps)));
        assert.deepEqual(steps.map((s) => s.id), [
          'preflight', 'validate_site_design', 'verify_site', 'prepare_site', 'prepare_nodes',
          'deploy_nodes.masters', 'deploy_nodes.workers', 'armada_build.core', 'armada_build.apps', 'armada_purge',
        ]);
        assert.ok(steps.every((s) => s.state === 'success'));
        assert.deepEqual([...w.machines.nodes.values()].map((n) => n.provisionState), ['active', 'active', 'active']);
        assert.deepEqual(w.workloads.started.sort(), ['lab-app-0/0', 'lab-app-0/1', 'lab-core-0/0', 'lab-core-1/0']);
        assert.match(steps.find((s) => s.id === 'deploy_nodes.masters')!.log, /node-0: active/);
        assert.match(steps.find((s) => s.id === 'armada_build.apps')!.log, /lab-app-0: test passed/);
        assert.equal((await w.configdocs.revisionOf('successful_site_action')), await w.configdocs.committedRevision());

        const calls = w.machines.calls.length;
        const again = await w.run('update_site');
        assert.equal(again.action.lifecycle, 'Complete');
        assert.equal(w.machines.calls.length, calls, 'no node touched');
        assert.equal(w.workloads.started.length, 4, 'no workload restarted');
        assert.ok(planIsEmpty(again.action.plan as never));
      } finally {
        await w.stop();
      }
    });

    test('update_site after one changed workload replaces only its sandbox', async () => {
      const w = await setup(await stores[kind]());
      try {
        await w.commit();
        await w.run('deploy_site');
        const before = new Map([...w.workloads.replicas.values()].map((r) => [`${r.release}/${r.replica}`, r.id]));
        await w.commit({ override: { 'core-1': { env: { CHANGED: 'yes' } } } });
        const { plan } = await w.engine.plan();
        assert.deepEqual(plan.workloads.filter((x) => x.action !== 'none').map((x) => x.release), ['lab-core-1']);
        const { action } = await w.run('update_site');
        assert.equal(action.lifecycle, 'Complete');
        const after = new Map([...w.workloads.replicas.values()].map((r) => [`${r.release}/${r.replica}`, r.id]));
        for (const k of ['lab-core-0/0', 'lab-app-0/0', 'lab-app-0/1']) assert.equal(after.get(k), before.get(k), `${k} untouched`);
        assert.notEqual(after.get('lab-core-1/0'), before.get('lab-core-1/0'));
        assert.deepEqual(w.workloads.removed, [before.get('lab-core-1/0')]);
      } finally {
        await w.stop();
      }
    });
  });
}

describe('site workflow engine: failures and controls', () => {
  test('a failing critical group fails the action and runs nothing after it', async () => {
    const w = await setup(await stores.sqlite());
    try {
      await w.commit();
      w.machines.failing.add('node-0');
      const { action, steps } = await w.run('deploy_site');
      assert.equal(action.lifecycle, 'Failed');
      const s = states(steps);
      assert.equal(s['deploy_nodes.masters'], 'failed');
      assert.equal(s['deploy_nodes.workers'], 'upstream_failed');
      assert.equal(s['armada_build.core'], 'upstream_failed');
      assert.equal(w.workloads.started.length, 0);
      assert.match(steps.find((x) => x.id === 'deploy_nodes.masters')!.log, /deploy failed: the fake BMC refused/);
      assert.equal(w.machines.nodes.get('node-0')!.deploys, 2, 'deployed, then tried once more');
      assert.equal(await w.configdocs.revisionOf('successful_site_action'), undefined);
      assert.equal(await w.configdocs.revisionOf('last_site_action'), await w.configdocs.committedRevision());
    } finally {
      await w.stop();
    }
  });

  test('a non-critical group below its success criteria is reported and software still deploys', async () => {
    const w = await setup(await stores.sqlite());
    try {
      await w.commit();
      w.machines.failing.add('node-1').add('node-2');
      const { action, steps } = await w.run('deploy_site');
      assert.equal(action.lifecycle, 'Complete');
      const workers = steps.find((x) => x.id === 'deploy_nodes.workers')!;
      assert.equal(workers.state, 'failed');
      assert.match(String((workers.result as { message: string }).message), /0 of 2 node\(s\) active; success criteria not met: 0% of nodes succeeded, below 50%/);
      assert.equal(states(steps)['armada_build.apps'], 'success');
    } finally {
      await w.stop();
    }
  });

  test('a failed test fails its chart group (critical) and the action', async () => {
    const w = await setup(await stores.sqlite());
    try {
      await w.commit();
      w.workloads.failingTests.add('lab-app-0');
      const { action, steps } = await w.run('deploy_site');
      assert.equal(action.lifecycle, 'Failed');
      assert.equal(states(steps)['armada_build.apps'], 'failed');
      assert.equal(states(steps)['armada_purge'], 'upstream_failed');
    } finally {
      await w.stop();
    }
  });

  test('pause stops new steps; unpause goes on; stop ends the action', async () => {
    const w = await setup(await stores.sqlite());
    try {
      await w.commit();
      const a = await w.engine.create('deploy_site', {}, admin);
      await w.engine.control(a.id, 'pause', admin);
      await new Promise((r) => setTimeout(r, 200));
      const paused = await w.actions.get(a.id);
      assert.equal(paused.lifecycle, 'Paused');
      const pending = (await w.actions.steps(a.id)).filter((s) => s.state === 'pending').length;
      assert.ok(pending >= 8, `steps stay pending while paused (${pending})`);
      await assert.rejects(w.engine.control(a.id, 'pause', admin), /cannot be paused/);
      await w.engine.control(a.id, 'unpause', admin);
      const { action } = await w.waitEnd(a.id);
      assert.equal(action.lifecycle, 'Complete');
      assert.deepEqual(action.audit.map((x) => x.command), ['invoke', 'pause', 'unpause']);

      const b = await w.engine.create('redeploy_server', { target_nodes: ['node-1'] }, admin);
      await w.engine.control(b.id, 'stop', admin);
      const stopped = await w.waitEnd(b.id);
      assert.equal(stopped.action.lifecycle, 'Failed');
      assert.ok(stopped.steps.some((s) => s.state === 'skipped'));
      await assert.rejects(w.engine.control(b.id, 'unpause', admin), /only a paused action/);
    } finally {
      await w.stop();
    }
  });

  test('redeploy_server rebuilds exactly the named node', async () => {
    const w = await setup(await stores.sqlite());
    try {
      await w.commit();
      await w.run('deploy_site');
      const before = w.machines.calls.length;
      const { action } = await w.run('redeploy_server', { target_nodes: ['node-2'] });
      assert.equal(action.lifecycle, 'Complete');
      assert.deepEqual(w.machines.calls.slice(before), ['rebuild node-2']);
      await assert.rejects(w.engine.create('redeploy_server', { target_nodes: ['node-9'] }, admin), /node-9 is not a drydock\/BaremetalNode\/v1/);
      await assert.rejects(w.engine.create('redeploy_server', {}, admin), /needs parameters.target_nodes/);
      await assert.rejects(w.engine.create('deploy_everything', {}, admin), /action name must be one of/);
    } finally {
      await w.stop();
    }
  });

  test('commitconfigdocs refuses a broken document, naming it; force commits anyway; buffer modes', async () => {
    const w = await setup(await stores.sqlite());
    try {
      await assert.rejects(w.engine.create('deploy_site', {}, admin), /no committed configdocs/);
      const docs = sampleSite({ override: { 'app-0': { replicas: -1 } } });
      await w.configdocs.put('site', dumpYamlStream(docs), 'rejectoncontents', admin);
      await assert.rejects(w.configdocs.put('site', dumpYamlStream(docs), 'rejectoncontents', admin), /Buffer is either not empty/);
      await assert.rejects(w.configdocs.put('site', dumpYamlStream(docs), 'append', admin), /already in the buffer/);
      await assert.rejects(w.configdocs.commit({}), (err: unknown) => {
        assert.ok(err instanceof CommitRefused);
        const list = (err.report.details as { messageList: { documents: { name: string }[]; path: string }[] }).messageList;
        assert.equal(list[0].documents[0].name, 'app-0');
        assert.equal(list[0].path, 'data.replicas');
        assert.match(err.message, /strata\/Workload\/v1 app-0/);
        return true;
      });
      assert.equal(await w.configdocs.committedRevision(), undefined, 'nothing committed');
      const dry = await w.configdocs.commit({ dryrun: true, force: true });
      assert.match(String(dry.message), /dryrun/);
      assert.equal(await w.configdocs.committedRevision(), undefined);
      await w.commit();
      assert.ok(await w.configdocs.committedRevision());
      assert.deepEqual((await w.configdocs.status()).map((s) => [s.collection_name, s.new_status]), [['site', 'unmodified']]);
    } finally {
      await w.stop();
    }
  });

  test('update_software touches no node; test_site runs every test; relabel_nodes writes labels only', async () => {
    const w = await setup(await stores.sqlite());
    try {
      await w.commit();
      const sw = await w.run('update_software');
      assert.equal(sw.action.lifecycle, 'Complete', JSON.stringify(states(sw.steps)));
      assert.deepEqual(w.machines.calls, [], 'no node touched');
      assert.ok(!sw.steps.some((s) => s.id.startsWith('deploy_nodes')));
      assert.equal(w.workloads.started.length, 4);
      await w.run('deploy_site');
      const t = await w.run('test_site');
      assert.equal(t.action.lifecycle, 'Complete');
      assert.match(t.steps.find((s) => s.id === 'armada_test_releases')!.log, /lab-app-0: test passed/);
      w.workloads.failingTests.add('lab-app-0');
      assert.equal((await w.run('test_site')).action.lifecycle, 'Failed');
      await w.commit({}, sampleSite().map((d) => (d.metadata.name === 'node-1' ? { ...d, data: { ...(d.data as Record<string, never>), metadata: { rack: 'rack-z', tags: ['workers', 'gpu'] } } } : d)));
      const calls = w.machines.calls.length;
      const r = await w.run('relabel_nodes', { target_nodes: ['node-1'] });
      assert.equal(r.action.lifecycle, 'Complete');
      assert.equal(w.machines.calls.length, calls, 'no provision call');
      assert.deepEqual(w.machines.nodes.get('node-1')!.extra.site_tags, ['workers', 'gpu']);
    } finally {
      await w.stop();
    }
  });

  test('a release that never gets ready is purged, unless protected; a sequenced group stops at it', async () => {
    const w = await setup(await stores.sqlite());
    try {
      // core-0 has a health check (`true`); make it fail, and time out fast
      await w.commit({ override: { 'core-0': { wait: { timeout: '200ms' } } } });
      w.workloads.failingHealth.add('lab-core-0');
      const a = await w.run('deploy_site');
      assert.equal(a.action.lifecycle, 'Failed');
      const core = a.steps.find((s) => s.id === 'armada_build.core')!;
      assert.match(core.log, /lab-core-0: not ready after 0.2 s: health check of sb-\d+ exited 1/);
      assert.deepEqual([...w.workloads.replicas.values()].map((r) => r.release), [], 'purged; core-1 never started');
      assert.deepEqual(w.workloads.started, ['lab-core-0/0']);

      await w.commit({ override: { 'core-0': { wait: { timeout: '200ms' }, protected: { continue_processing: false } } } });
      const b = await w.run('update_site');
      assert.equal(b.action.lifecycle, 'Failed');
      assert.match(b.steps.find((s) => s.id === 'armada_build.core')!.log, /lab-core-0: protected, left as it is/);
      assert.deepEqual([...w.workloads.replicas.values()].map((r) => r.release), ['lab-core-0']);
    } finally {
      await w.stop();
    }
  });

  test('one action at a time; commits no action applied are refused unless allowed', async () => {
    const w = await setup(await stores.sqlite());
    try {
      await w.commit();
      const a = await w.engine.create('deploy_site', {}, admin);
      await assert.rejects(w.engine.create('update_site', {}, admin), new RegExp(`action deploy_site ${a.id} is (Pending|Processing): wait for it to end`));
      await w.waitEnd(a.id);
      const r1 = await w.commit({ override: { 'core-0': { env: { V: '1' } } } });
      assert.equal(r1.status, 'Success');
      await w.commit({ override: { 'core-0': { env: { V: '2' } } } });
      await assert.rejects(w.engine.create('update_site', {}, admin), /committed after the last site action and never applied: use allow-intermediate-commits=true/);
      const ok = await w.engine.create('update_site', {}, admin, { allowIntermediateCommits: true });
      assert.equal((await w.waitEnd(ok.id)).action.lifecycle, 'Complete');
      await w.commit({ override: { 'core-0': { env: { V: '3' } } } });
      assert.equal((await w.run('update_site')).action.lifecycle, 'Complete', 'one commit since the last action is fine');
    } finally {
      await w.stop();
    }
  });

  test('sweep advances an action whose next step was never queued', async () => {
    const w = await setup(await stores.sqlite());
    try {
      await w.commit();
      await w.tasks.stop();
      const a = await w.engine.create('update_software', {}, admin);
      // as if the process died after the first step ended, before anything advanced
      const db = (w.actions as unknown as { db: import('kysely').Kysely<any> }).db;
      for (const event of ['start', 'succeed'] as const) assert.ok(await w.actions.moveStep(a.id, 'preflight', event), event);
      await db.deleteFrom('tasks').execute();
      w.tasks.start();
      await w.engine.sweep();
      assert.equal((await w.waitEnd(a.id)).action.lifecycle, 'Complete');
    } finally {
      await w.stop();
    }
  });
});
