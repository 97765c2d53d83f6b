import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SecretBox, TaskStore } from '../../core/index.js';
import { storesUnderTest } from '../../core/testing/index.js';
import { metalMigrations } from '../db/migrations.js';
import { nodes } from '../db/tables.js';
import { registerConductor } from '../db/conductors.js';
import type { DeployInterface } from '../drivers/index.js';
import { testConductor } from './testing.js';
import { MetalError } from './errors.js';
import { PROVISION_TASK } from './conductor.js';

const stores = storesUnderTest({ metal: metalMigrations });
after(() => stores.close());

const M = 78;

/** A deploy interface that waits for a call-back once, then finishes: what the agent-driven ramdisk deploy does. */
function waitingDeploy(base: DeployInterface): DeployInterface {
  return {
    ...base,
    name: 'wait-once',
    async deploy(ctx) {
      const info = ctx.node.driver_internal_info!;
      if (!info.deploy_waited) {
        info.deploy_waited = true;
        return 'wait';
      }
      return 'done';
    },
  };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`conductor on ${kind}`, () => {
    test('manage → provide → deploy → undeploy: each request moves the node and sets its target before the work runs', async () => {
      const store = await stores[kind]();
      const t = await testConductor(store, { start: false });
      const c = t.conductor;
      const n = await t.addNode();

      const verifying = await c.requestProvision(n, { verb: 'manage', minor: M });
      assert.equal(verifying.provision_state, 'verifying');
      assert.equal(verifying.target_provision_state, 'manageable');
      assert.equal(verifying.reservation, 'test-conductor');
      assert.ok(verifying.task_id);
      const queued = await new TaskStore(store).list({ subject: n.uuid });
      assert.deepEqual(queued.map((q) => [q.kind, q.state]), [[PROVISION_TASK, 'pending']]);

      t.runner.start();
      let node = await t.until(n.uuid, (x) => x.provision_state === 'manageable');
      assert.equal(node.reservation, null);
      assert.equal(node.task_id, null);
      assert.equal(node.target_provision_state, null);
      assert.equal(node.power_state, 'power off');

      node = await c.requestProvision(node, { verb: 'provide', minor: M });
      assert.equal(node.provision_state, 'cleaning');
      assert.equal(node.target_provision_state, 'available');
      node = await t.until(n.uuid, (x) => x.provision_state === 'available' && !x.reservation);

      node = await c.requestProvision(node, { verb: 'active', minor: M, configdrive: 'H4sIAAAA' });
      assert.equal(node.provision_state, 'deploying');
      assert.equal(node.target_provision_state, 'active');
      node = await t.until(n.uuid, (x) => x.provision_state === 'active' && !x.reservation);
      assert.equal(node.instance_info.configdrive, 'H4sIAAAA');

      node = await c.requestProvision(node, { verb: 'deleted', minor: M });
      assert.equal(node.provision_state, 'deleting');
      node = await t.until(n.uuid, (x) => x.provision_state === 'available' && !x.reservation);
      assert.deepEqual(node.instance_info, {});
      // The handler releases the node before its runner records the task's end: wait for that too.
      const tasks = new TaskStore(store);
      let done = await tasks.list({ subject: n.uuid });
      for (let i = 0; i < 100 && done.some((q) => q.state === 'running'); i++) {
        await new Promise((r) => setTimeout(r, 20));
        done = await tasks.list({ subject: n.uuid });
      }
      assert.ok(done.every((q) => q.state === 'succeeded'), JSON.stringify(done.map((q) => q.state)));
      await t.stop();
    });

    test('a forbidden transition is a 400 naming the state; a busy node answers 409 NodeLocked', async () => {
      const store = await stores[kind]();
      const t = await testConductor(store, { drivers: { fake: { delays: { deploy: 400 } } } });
      const c = t.conductor;
      const n = await t.addNode({ provision_state: 'enroll' });
      await assert.rejects(c.requestProvision(n, { verb: 'active', minor: M }), (e: MetalError) => {
        assert.equal(e.status, 400);
        assert.equal(e.message, `The requested action "active" can not be performed on node "${n.uuid}" while it is in state "enroll".`);
        return true;
      });
      await assert.rejects(c.requestProvision(n, { verb: 'deploy', minor: 72 }), (e: MetalError) => e.status === 406);

      const avail = await t.addNode({ provision_state: 'available', power_state: 'power off' });
      const deploying = await c.requestProvision(avail, { verb: 'active', minor: M });
      await assert.rejects(c.requestPower(deploying, { target: 'power on', minor: M }), (e: MetalError) => {
        assert.equal(e.status, 409);
        assert.equal(e.message, `Node ${avail.uuid} is locked by host test-conductor, please retry after the current operation is completed.`);
        return true;
      });
      // A second deploy of a node already deploying: locked (409), as Ironic answers while the node is reserved.
      await assert.rejects(c.requestProvision(deploying, { verb: 'active', minor: M }), (e: MetalError) => e.status === 409);
      await t.until(avail.uuid, (x) => x.provision_state === 'active' && !x.reservation);
      await t.stop();
    });

    test('an unreachable BMC: last_error while retrying, then the failure state; power sync puts the node into maintenance and recovers it', async () => {
      const store = await stores[kind]();
      const t = await testConductor(store, { taskMaxAttempts: 3, powerSyncMaxRetries: 2 });
      const c = t.conductor;
      const n = await t.addNode({ driver_info: { fake_power_error: 'unreachable' } });
      await c.requestProvision(n, { verb: 'manage', minor: M });
      const retrying = await t.until(n.uuid, (x) => x.provision_state === 'verifying' && x.last_error !== null, 5000);
      assert.match(retrying.last_error!, /injected unreachable failure/);
      const failed = await t.until(n.uuid, (x) => x.provision_state === 'enroll' && !x.reservation);
      assert.match(failed.last_error!, /^Failed to verify node .*injected unreachable failure/);
      const [task] = await new TaskStore(store).list({ subject: n.uuid });
      assert.equal(task.state, 'failed');
      assert.equal(task.attempts, 3);

      // Power sync: a node whose BMC stops answering goes into maintenance after max retries.
      const synced = await t.addNode({ provision_state: 'manageable', power_state: 'power on', driver_info: { fake_power_error: 'timeout' } });
      await c.refreshMembers();
      for (let i = 0; i < 3; i++) {
        assert.equal((await t.node(synced.uuid)).maintenance, false, `still out of maintenance after ${i} syncs`);
        await c.jobs.syncPowerStates();
      }
      let m = await t.node(synced.uuid);
      assert.equal(m.maintenance, true);
      assert.equal(m.fault, 'power failure');
      assert.match(m.maintenance_reason!, /During sync_power_state, max retries exceeded for node .* Switching node to maintenance mode\. Error: .*injected timeout failure/);
      // Recovery: the BMC answers again.
      await nodes.update(store.db, synced.id, { driver_info: {} });
      await c.jobs.recoverPowerFailures();
      m = await t.node(synced.uuid);
      assert.equal(m.maintenance, false);
      assert.equal(m.fault, null);
      assert.equal(m.maintenance_reason, null);
      await t.stop();
    });

    test('a deploy waits for the call-back, is continued by resume(), and a wait past the timeout fails', async () => {
      const store = await stores[kind]();
      const t = await testConductor(store, { callbackTimeoutMs: { deploy: 60_000, clean: 60_000, inspect: 60_000, rescue: 60_000 } });
      const fakeDeploy = t.drivers.implementation('deploy', 'fake')!;
      t.drivers.registerInterface(waitingDeploy(fakeDeploy));
      const c = t.conductor;
      const n = await t.addNode({ provision_state: 'available', power_state: 'power off', deploy_interface: 'wait-once' });
      await c.requestProvision(n, { verb: 'active', minor: M });
      const waiting = await t.until(n.uuid, (x) => x.provision_state === 'wait call-back');
      assert.equal(waiting.reservation, null, 'a waiting node holds no lock');
      assert.equal(waiting.target_provision_state, 'active');
      assert.equal(waiting.driver_internal_info.deploy_waited, true);
      const resumed = await c.resume(n.uuid);
      assert.equal(resumed.provision_state, 'deploying');
      await t.until(n.uuid, (x) => x.provision_state === 'active' && !x.reservation);

      const late = await t.addNode({ provision_state: 'available', power_state: 'power off', deploy_interface: 'wait-once' });
      await c.requestProvision(late, { verb: 'active', minor: M });
      await t.until(late.uuid, (x) => x.provision_state === 'wait call-back');
      await nodes.update(store.db, late.id, { provision_updated_at: Date.now() - 120_000 });
      await c.jobs.checkCallbackTimeouts();
      const timedOut = await t.until(late.uuid, (x) => x.provision_state === 'deploy failed');
      assert.equal(timedOut.last_error, `Timeout reached while waiting for callback for node ${late.uuid}`);
      assert.equal(timedOut.reservation, null);
      await t.stop();
    });

    test('a deploy interface that powers the node on leaves power_state recorded, so power sync keeps it on', async () => {
      const store = await stores[kind]();
      const t = await testConductor(store);
      const fakeDeploy = t.drivers.implementation('deploy', 'fake')!;
      const fakePower = t.drivers.implementation('power', 'fake')!;
      t.drivers.registerInterface({
        ...fakeDeploy,
        name: 'powers-on',
        async deploy(ctx) {
          await fakePower.setPowerState(ctx, 'power on');
          return 'done';
        },
      });
      const n = await t.addNode({ provision_state: 'available', power_state: 'power off', deploy_interface: 'powers-on' });
      await t.conductor.requestProvision(n, { verb: 'active', minor: M });
      const active = await t.until(n.uuid, (x) => x.provision_state === 'active' && !x.reservation);
      assert.equal(active.power_state, 'power on');
      await t.conductor.jobs.syncPowerStates();
      assert.equal((await t.node(n.uuid)).power_state, 'power on');
      await t.stop();
    });

    test('takeover: a dead conductor\'s nodes are released and failed as Ironic does; its stale task then finds nothing to do', async () => {
      const store = await stores[kind]();
      // The dead conductor: registered long ago, holding a node mid-deploy with a running task whose lease expired.
      await registerConductor(store.db, { hostname: 'dead', conductor_group: '', drivers: ['fake-hardware'], host: 'elsewhere', pid: 1 });
      await store.db.updateTable('metal_conductors').set({ updated_at: Date.now() - 600_000 }).where('hostname', '=', 'dead').execute();
      const taskStore = new TaskStore(store);
      const task = await taskStore.enqueue({ kind: PROVISION_TASK, subject: 'x', payload: {}, maxAttempts: 3 });
      const victim = await nodes.insert(store.db, {
        ...(await import('./testing.js')).nodeRecord({ provision_state: 'deploying', target_provision_state: 'active', reservation: 'dead', task_id: task.id }),
      });
      await store.db.updateTable('tasks').set({ subject: victim.uuid, payload: JSON.stringify({ node: victim.uuid, args: {}, phase: 'start' }) }).where('id', '=', task.id).execute();
      // The dead conductor's runner had claimed it; its lease has run out.
      assert.equal((await taskStore.claim('dead:1:abc', [PROVISION_TASK], 1, -1000)).length, 1);
      // A node this conductor's previous process left mid-clean (same name: a restart).
      const mine = await nodes.insert(store.db, (await import('./testing.js')).nodeRecord({ provision_state: 'cleaning', target_provision_state: 'available', reservation: 'test-conductor' }));
      // A node waiting for its agent is left waiting.
      const waiting = await nodes.insert(store.db, (await import('./testing.js')).nodeRecord({ provision_state: 'wait call-back', target_provision_state: 'active', reservation: null }));

      const t = await testConductor(store);
      const m = await t.node(mine.uuid);
      assert.equal(m.provision_state, 'clean failed');
      assert.equal(m.reservation, null);
      assert.equal(m.last_error, "The cleaning state can't be resumed by conductor test-conductor. Moving to fail state.");
      assert.equal(m.maintenance, true);
      assert.equal(m.fault, 'clean failure');

      await t.conductor.jobs.checkOrphans();
      const v = await t.node(victim.uuid);
      assert.equal(v.provision_state, 'deploy failed');
      assert.equal(v.target_provision_state, 'active');
      assert.equal(v.reservation, null);
      assert.match(v.last_error!, /The deploying state can't be resumed by conductor test-conductor/);
      const stale = await t.runner.wait(task.id, 10_000);
      assert.equal(stale.state, 'succeeded');
      assert.equal((await t.node(victim.uuid)).provision_state, 'deploy failed', 'the stale task changed nothing');
      assert.equal((await t.node(waiting.uuid)).provision_state, 'wait call-back');
      await t.stop();
    });

    test('a task whose conductor died mid-work is taken over and failed by the table\'s rule', async () => {
      const store = await stores[kind]();
      const t = await testConductor(store, { start: false, leaseMs: 200 });
      const n = await t.addNode({ provision_state: 'available', power_state: 'power off' });
      const moved = await t.conductor.requestProvision(n, { verb: 'active', minor: M });
      // The worker that claimed it died: running, lease expired, reservation still the enqueuer's.
      assert.equal((await new TaskStore(store).claim('gone:2:def', [PROVISION_TASK], 1, -1)).length, 1);
      t.runner.start();
      const failed = await t.until(n.uuid, (x) => x.provision_state === 'deploy failed');
      assert.equal(failed.reservation, null);
      assert.equal(failed.last_error, "The deploying state can't be resumed by conductor test-conductor. Moving to fail state.");
      await t.stop();
    });

    test('power: target_power_state is set before the answer, the fake BMC is switched, patient locks answer 409', async () => {
      const store = await stores[kind]();
      const t = await testConductor(store, { start: false });
      const c = t.conductor;
      const n = await t.addNode({ provision_state: 'manageable', power_state: 'power off' });
      const req = await c.requestPower(n, { target: 'power on', minor: M });
      assert.equal(req.target_power_state, 'power on');
      assert.equal(req.reservation, 'test-conductor');
      await assert.rejects(c.updateNode(req, { maintenance: true }), (e: MetalError) => e.status === 409 && /is locked by host test-conductor/.test(e.message));
      await assert.rejects(c.requestPower(n, { target: 'soft power off', minor: 26 }), (e: MetalError) => e.status === 406);
      await assert.rejects(c.requestPower(n, { target: 'sideways', minor: M }), (e: MetalError) => e.status === 400 && /requested action "sideways"/.test(e.message));
      t.runner.start();
      const on = await t.until(n.uuid, (x) => x.power_state === 'power on' && x.target_power_state === null && !x.reservation);
      assert.equal(on.last_error, null);
      await t.stop();
    });

    test('abort of a clean wait: clean failed at once, then the deploy interface tears cleaning down under the lock', async () => {
      const store = await stores[kind]();
      const t = await testConductor(store);
      const fakeDeploy = t.drivers.implementation('deploy', 'fake')!;
      const tornDown: string[] = [];
      t.drivers.registerInterface({
        ...fakeDeploy,
        name: 'clean-waits',
        prepareCleaning: async () => 'wait',
        tearDownCleaning: async (ctx) => void tornDown.push(ctx.node.uuid),
        getCleanSteps: async () => [{ interface: 'deploy', step: 'erase_devices', priority: 10 }],
      });
      const n = await t.addNode({ provision_state: 'manageable', power_state: 'power off', deploy_interface: 'clean-waits' });
      await t.conductor.requestProvision(n, { verb: 'provide', minor: M });
      const waiting = await t.until(n.uuid, (x) => x.provision_state === 'clean wait');
      assert.equal(waiting.reservation, null);
      assert.equal(waiting.target_provision_state, 'available');
      const aborted = await t.conductor.requestProvision(waiting, { verb: 'abort', minor: M });
      assert.equal(aborted.provision_state, 'clean failed');
      assert.equal(aborted.last_error, 'By request, the clean operation was aborted.');
      const done = await t.until(n.uuid, (x) => !x.reservation);
      assert.deepEqual(tornDown, [n.uuid]);
      assert.equal(done.provision_state, 'clean failed');
      assert.equal(done.driver_internal_info.cleaning_prepared, undefined);
      const manageable = await t.conductor.requestProvision(done, { verb: 'manage', minor: M });
      assert.equal(manageable.provision_state, 'manageable');
      await t.stop();
    });

    test('a deploy records the requested steps: the user\'s, then those of deploy templates named by the instance traits', async () => {
      const store = await stores[kind]();
      const t = await testConductor(store);
      const steps = [{ interface: 'bios', step: 'apply_configuration', args: { settings: [] }, priority: 150 }];
      await store.db.insertInto('metal_deploy_templates').values({ uuid: 'tpl-1', name: 'CUSTOM_BIOS', steps: JSON.stringify(steps), extra: '{}', created_at: Date.now() }).execute();
      const n = await t.addNode({ provision_state: 'available', power_state: 'power off', instance_info: { traits: ['CUSTOM_BIOS'] } });
      const user = { interface: 'deploy', step: 'deploy', args: {}, priority: 100 };
      await t.conductor.requestProvision(n, { verb: 'active', minor: M, deploy_steps: [user] });
      const done = await t.until(n.uuid, (x) => x.provision_state === 'active' && !x.reservation);
      assert.deepEqual(done.driver_internal_info.user_deploy_steps, [user, { ...steps[0], template: 'CUSTOM_BIOS' }]);
      await t.stop();
    });

    test('driver_info secrets are sealed at rest and opened only for drivers', async () => {
      const store = await stores[kind]();
      const t = await testConductor(store);
      const sealed = t.conductor.seal({ ipmi_address: '10.0.0.1', ipmi_password: 'hunter2', nested: { redfish_password: 'x' } });
      assert.ok(SecretBox.isSealed(sealed.ipmi_password));
      assert.ok(SecretBox.isSealed((sealed.nested as Record<string, unknown>).redfish_password));
      assert.equal(sealed.ipmi_address, '10.0.0.1');
      const n = await t.addNode({ driver_info: sealed });
      const raw = await store.db.selectFrom('metal_nodes').select('driver_info').where('id', '=', n.id).executeTakeFirstOrThrow();
      assert.ok(!String(raw.driver_info).includes('hunter2'));
      const { dctx } = t.conductor.driverFor(n);
      assert.equal(dctx.node.driver_info.ipmi_password, 'hunter2');
      // A client sending the mask back keeps the stored secret.
      const again = t.conductor.seal({ ...n.driver_info, ipmi_password: '******' }, n.driver_info);
      assert.equal(again.ipmi_password, n.driver_info.ipmi_password);
      await t.stop();
    });
  });
}
