import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../core/index.js';
import type { RaiseAlarm } from '../../core/index.js';
import { DriftMonitor, driftEntity } from './drift-monitor.js';
import type { DriftItem } from './drift.js';

function harness(raisedBefore: string[] = []) {
  const alarms = new Map<string, RaiseAlarm>(raisedBefore.map((e) => [e, { alarmId: '600.005', entityInstanceId: e }]));
  let drift: DriftItem[] = [];
  let busy = false;
  const make = () =>
    new DriftMonitor(
      {
        check: async () => ({ revision: 7, drift }),
        actions: { list: async () => (busy ? [{ lifecycle: 'Processing' }] : [{ lifecycle: 'Complete' }]) },
        faults: {
          raise: async (a) => void alarms.set(a.entityInstanceId, a),
          clear: async (_id, e) => void alarms.delete(e),
          log: async () => undefined,
        },
        raised: async () => [...alarms.keys()],
        log: silentLogger(),
        site: 'lab',
      },
      0,
    );
  return { alarms, make, set: (d: DriftItem[]) => (drift = d), busy: (b: boolean) => (busy = b) };
}

const off: DriftItem = { kind: 'node', name: 'node-2', problem: 'powered_off', detail: 'power state is power off' };
const gone: DriftItem = { kind: 'workload', name: 'lab-core-0/0', problem: 'missing', detail: 'no sandbox' };

test('each drifted item raises 600.005; it clears when the item is back', async () => {
  const h = harness();
  const m = h.make();
  h.set([off, gone]);
  const r = await m.check();
  assert.deepEqual(r.drift, [off, gone]);
  assert.deepEqual([...h.alarms.keys()].sort(), ['site=lab.node=node-2', 'site=lab.workload=lab-core-0-0']);
  assert.match(h.alarms.get('site=lab.node=node-2')!.reasonText!, /node node-2 powered off: power state is power off/);
  h.set([gone]);
  await m.check();
  assert.deepEqual([...h.alarms.keys()], ['site=lab.workload=lab-core-0-0']);
  assert.equal(m.report().revision, 7);
});

test('no alarm while an action runs; the report still shows the drift', async () => {
  const h = harness();
  const m = h.make();
  h.set([off]);
  h.busy(true);
  const r = await m.check();
  assert.equal(r.drift.length, 1);
  assert.match(r.note!, /an action is running/);
  assert.equal(h.alarms.size, 0);
});

test('alarms an earlier process raised clear once their cause is gone', async () => {
  const h = harness(['site=lab.node=node-1']);
  await h.make().check();
  assert.equal(h.alarms.size, 0);
});

test('entity ids carry no . or = inside values', () => {
  assert.equal(driftEntity('my.site', { kind: 'workload', name: 'a.b/1', problem: 'missing', detail: '' }), 'site=my_site.workload=a_b-1');
});
