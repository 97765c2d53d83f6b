import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../render/index.js';
import { readDesign } from './design.js';
import { WORKFLOW_DATA_SCHEMAS } from './schemas.js';
import { sampleSite } from './testing.js';
import { replicaSpecs } from './armada-mapping.js';
import { computePlan, formatPlan, planIsEmpty, type Observed } from './plan.js';
import { detectDrift } from './drift.js';

const design = (o = {}) => readDesign(render(sampleSite(o), { cleartextSecrets: true, dataSchemas: [...WORKFLOW_DATA_SCHEMAS] }).documents);

/** What a site deployed exactly from `d` looks like. */
function deployed(d: ReturnType<typeof design>): Observed {
  return {
    nodes: d.nodes.map((n, i) => ({ name: n.name, uuid: `u${i}`, provisionState: 'active', powerState: 'power on', hash: n.hash })),
    replicas: d.workloads.flatMap((w) => replicaSpecs(w, d.nodes).map((s) => ({ id: `${w.release}-${s.replica}`, release: w.release, replica: s.replica, hash: w.hash, state: 'running', ...(s.node ? { node: s.node } : {}) }))),
  };
}

test('an empty site plans every node enrolled and every workload created', () => {
  const p = computePlan(design(), { nodes: [], replicas: [] });
  assert.deepEqual(p.nodes.map((n) => n.action), ['enroll', 'enroll', 'enroll']);
  assert.deepEqual(p.workloads.map((w) => `${w.release}:${w.action}`), ['lab-core-0:create', 'lab-core-1:create', 'lab-app-0:create']);
});

test('a site deployed from its documents plans nothing and has no drift', () => {
  const d = design();
  const p = computePlan(d, deployed(d));
  assert.ok(planIsEmpty(p), formatPlan(p));
  assert.deepEqual(detectDrift(d, deployed(d)), []);
});

test('one changed workload document plans exactly that update', () => {
  const before = design();
  const after = design({ override: { 'core-1': { env: { CHANGED: '1' } } } });
  const p = computePlan(after, deployed(before));
  assert.deepEqual(p.nodes.map((n) => n.action), ['none', 'none', 'none']);
  assert.deepEqual(p.workloads.filter((w) => w.action !== 'none').map((w) => [w.release, w.action, w.reason]), [['lab-core-1', 'update', 'its document changed']]);
  assert.match(formatPlan(p), /workload\s+lab-core-1\s+update\s+its document changed/);
});

test('removed workloads are deleted; a failed node is deployed again; a changed node redeployed', () => {
  const d = design();
  const seen = deployed(d);
  seen.replicas.push({ id: 'x', release: 'lab-old', replica: 0, hash: 'h', state: 'running' });
  seen.nodes[1] = { ...seen.nodes[1], provisionState: 'deploy failed' };
  seen.nodes[2] = { ...seen.nodes[2], hash: 'other' };
  const p = computePlan(d, seen);
  assert.deepEqual(p.nodes.map((n) => n.action), ['none', 'deploy', 'redeploy']);
  assert.deepEqual(p.workloads.filter((w) => w.action !== 'none').map((w) => [w.release, w.action]), [['lab-old', 'delete']]);
});

test('drift: a powered-off node and a stopped sandbox', () => {
  const d = design();
  const seen = deployed(d);
  seen.nodes[0] = { ...seen.nodes[0], powerState: 'power off' };
  seen.replicas[1] = { ...seen.replicas[1], state: 'stopped' };
  seen.replicas.splice(3, 1);
  // node-2 was rebuilt by hand after the workflow's deploy of it ended
  seen.nodes[2] = { ...seen.nodes[2], recordedDeploy: '2026-12-07T10:00:00Z', provisionUpdatedAt: '2026-12-07T11:00:00Z' };
  assert.deepEqual(
    detectDrift(d, seen).map((x) => `${x.kind} ${x.name} ${x.problem}`),
    ['node node-0 powered_off', 'node node-2 changed', 'workload lab-core-1/0 stopped', 'workload lab-app-0/1 missing'],
  );
  // and the plan repairs both workloads
  assert.deepEqual(computePlan(d, seen).workloads.filter((w) => w.action !== 'none').map((w) => w.release), ['lab-core-1', 'lab-app-0']);
});
