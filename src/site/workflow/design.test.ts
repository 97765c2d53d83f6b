import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../render/index.js';
import { validateDocuments } from '../documents/index.js';
import type { Document } from '../documents/index.js';
import { DesignError, readDesign, parseDuration } from './design.js';
import { WORKFLOW_DATA_SCHEMAS } from './schemas.js';
import { sampleSite } from './testing.js';
import { nodeRequests } from './drydock-mapping.js';
import { replicaSpecs } from './armada-mapping.js';
import { groupNodes, judgeGroup, orderGroups } from './strategy.js';

const rendered = (docs: Document[]) => render(docs, { cleartextSecrets: true, validate: true, dataSchemas: [...WORKFLOW_DATA_SCHEMAS] }).documents;
const redfish = { url: 'http://127.0.0.1:8000', username: 'admin', password: 's3cret-pw' };

test('the sample site validates against the workflow DataSchemas and reads into a design', () => {
  const design = readDesign(rendered(sampleSite({ redfish })));
  assert.deepEqual(design.nodes.map((n) => n.name), ['node-0', 'node-1', 'node-2']);
  const n0 = design.nodes[0];
  assert.equal(n0.oob.type, 'redfish');
  assert.equal(n0.oob.credential, 's3cret-pw', 'the passphrase is substituted into the credential');
  assert.equal(n0.oob.account, 'admin', 'inherited from the host profile');
  assert.equal(n0.bootMode, 'bios', 'from the hardware profile');
  assert.deepEqual(design.groups.map((g) => [g.name, g.critical]), [['masters', true], ['workers', false]]);
  assert.deepEqual(design.chartGroups.map((g) => [g.name, g.sequenced, g.workloads]), [['core', true, ['core-0', 'core-1']], ['apps', false, ['app-0']]]);
  assert.equal(design.workloads[0].release, 'lab-core-0');
  assert.equal(design.workloads[2].test?.command[0], 'sh');
});

test('a broken Workload is refused by its DataSchema, naming document and path', () => {
  const docs = sampleSite({ override: { 'core-1': { replicas: 'many' } } });
  const errors = validateDocuments(rendered(docs.filter((d) => d.schema !== 'strata/Workload/v1' || d.metadata.name !== 'core-1')).concat(docs.filter((d) => d.metadata.name === 'core-1')), { phase: 'post', dataSchemas: [...WORKFLOW_DATA_SCHEMAS] });
  const e = errors.find((m) => m.documents[0].name === 'core-1');
  assert.ok(e, JSON.stringify(errors));
  assert.equal(e.path, 'data.replicas');
});

test('design problems are all reported with their documents', () => {
  const docs = sampleSite().map((d): Document => {
    if (d.metadata.name === 'apps' && d.schema === 'armada/ChartGroup/v1') return { ...d, data: { chart_group: ['app-0', 'nope'] } };
    if (d.metadata.name === 'node-2') return { ...d, data: { ...(d.data as Record<string, never>), host_profile: 'missing-profile' } };
    return d;
  });
  assert.throws(
    () => readDesign(rendered(docs)),
    (err: unknown) => {
      assert.ok(err instanceof DesignError);
      const where = err.problems.map((p) => `${p.document.name}@${p.path}`).sort();
      assert.deepEqual(where, ['apps@data.chart_group[1]', 'node-2@data.host_profile', 'node-2@data.oob.type']);
      assert.match(err.message, /no strata\/Workload\/v1 named nope/);
      return true;
    },
  );
});

test('a node maps onto metal requests; the credential goes only into driver_info', () => {
  const [n0] = readDesign(rendered(sampleSite({ redfish }))).nodes;
  const r = nodeRequests(n0);
  assert.deepEqual(r.create.driver_info, { redfish_address: 'http://127.0.0.1:8000', redfish_system_id: '/redfish/v1/Systems/node-0', redfish_username: 'admin', redfish_password: 's3cret-pw' });
  assert.equal(r.create.driver, 'redfish');
  assert.equal(r.create.deploy_interface, 'fake');
  assert.deepEqual(r.port, { address: '52:54:00:00:00:10', pxe_enabled: true });
  assert.deepEqual(r.instanceInfo, { image_source: 'file:///var/lib/images/site.qcow2', kernel: 'hwe-6.1', kernel_append_params: 'console=ttyS0', capabilities: { boot_mode: 'bios' } });
  assert.ok(!JSON.stringify({ ...r, create: { ...r.create, driver_info: {} } }).includes('s3cret-pw'));
  assert.match(r.configdrive!.user_data, /^#cloud-config\n/);
  assert.deepEqual(JSON.parse(r.configdrive!.user_data.split('\n')[1]).write_files, [{ path: '/etc/motd', content: 'deployed by strata\n', permissions: '0644' }]);
  const ipmi = nodeRequests({ ...n0, oob: { type: 'ipmi', address: '10.0.0.5:6230', account: 'root', credential: 'pw' } });
  assert.deepEqual(ipmi.create.driver_info, { ipmi_address: '10.0.0.5', ipmi_port: 6230, ipmi_username: 'root', ipmi_password: 'pw' });
  assert.equal(nodeRequests({ ...n0, oob: { type: 'fake' } }).create.driver, 'fake-hardware');
});

test('a document change changes only that node or workload hash', () => {
  const a = readDesign(rendered(sampleSite()));
  const b = readDesign(rendered(sampleSite({ override: { 'core-1': { env: { ROLE: 'core', INDEX: '1', NEW: 'yes' } } } })));
  assert.deepEqual(a.nodes.map((n) => n.hash), b.nodes.map((n) => n.hash));
  assert.deepEqual(a.workloads.map((w, i) => w.hash === b.workloads[i].hash), [true, false, true]);
  const c = readDesign(rendered(sampleSite({ override: { 'core-0': { wait: { timeout: '5m' } } } })));
  assert.equal(c.workloads[0].hash, a.workloads[0].hash, 'how long to wait is not what runs');
});

test('replicas are placed on the nodes their selector matches, the same way every time', () => {
  const d = readDesign(rendered(sampleSite()));
  const app = d.workloads.find((w) => w.name === 'app-0')!;
  const specs = replicaSpecs(app, d.nodes);
  assert.deepEqual(specs.map((s) => s.node), ['node-1', 'node-2']);
  assert.equal(specs[1].sandbox.labels['strata.site/release'], 'lab-app-0');
  assert.equal(specs[1].sandbox.env.STRATA_REPLICA, '1');
  assert.deepEqual(replicaSpecs(d.workloads[0], d.nodes).map((s) => s.node), [undefined]);
});

test('deployment groups: selection, order, success criteria', () => {
  const d = readDesign(rendered(sampleSite({ nodes: 5 })));
  const [masters, workers] = d.groups;
  assert.deepEqual(groupNodes(masters, d.nodes), ['node-0']);
  assert.deepEqual(groupNodes(workers, d.nodes), ['node-1', 'node-2', 'node-3', 'node-4']);
  assert.deepEqual(orderGroups([workers, masters]).map((g) => g.name), ['masters', 'workers']);
  assert.throws(() => orderGroups([{ ...masters, dependsOn: ['workers'] }, workers]), /cycle: masters -> workers -> masters|cycle: workers -> masters -> workers/);
  assert.equal(judgeGroup(workers, 2, 2, 4).met, true);
  assert.deepEqual(judgeGroup(workers, 1, 3, 4).reasons, ['25% of nodes succeeded, below 50%']);
  assert.equal(judgeGroup({ ...workers, successCriteria: {} }, 3, 1, 4).met, false);
  assert.deepEqual(judgeGroup({ ...workers, successCriteria: { minimumSuccessfulNodes: 2, maximumFailedNodes: 0 } }, 1, 1, 2).reasons.length, 2);
});

test('durations', () => {
  assert.equal(parseDuration(30, 0), 30_000);
  assert.equal(parseDuration('5m', 0), 300_000);
  assert.equal(parseDuration(undefined, 7), 7);
  assert.throws(() => parseDuration('soon', 0), /not a duration/);
});

test('a workload takes env values from a substituted secret', () => {
  const docs = sampleSite();
  docs.push({
    schema: 'deckhand/Passphrase/v1',
    metadata: { schema: 'metadata/Document/v1', name: 'db-password', layeringDefinition: { abstract: false, layer: 'site' }, storagePolicy: 'encrypted' },
    data: 'hunter2-db',
  });
  const core0 = docs.find((d) => d.metadata.name === 'core-0')!;
  core0.metadata.substitutions = [{ src: { schema: 'deckhand/Passphrase/v1', name: 'db-password', path: '.' }, dest: { path: '.env.DB_PASSWORD' } }];
  const w = readDesign(rendered(docs)).workloads[0];
  assert.equal(w.env.DB_PASSWORD, 'hunter2-db');
  assert.equal(replicaSpecs(w, [])[0].sandbox.env.DB_PASSWORD, 'hunter2-db');
});
