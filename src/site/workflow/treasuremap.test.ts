// Airship's own site documents against the workflow: treasuremap's seaworthy
// site passes the workflow's DataSchemas (without its own) and its Drydock and
// Shipyard documents read into a design that maps onto IPMI nodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleSite } from '../collect/index.js';
import { isDataSchema, validateDocuments } from '../documents/index.js';
import { render } from '../render/index.js';
import { readDesign } from './design.js';
import { nodeRequests } from './drydock-mapping.js';
import { groupNodes } from './strategy.js';
import { WORKFLOW_DATA_SCHEMAS, WORKFLOW_SCHEMAS } from './schemas.js';

const TREASUREMAP = join(fileURLToPath(new URL('../../../..', import.meta.url)), 'shared', 'fixtures', 'treasuremap-v1.9');

test('seaworthy: Airship documents pass the workflow schemas and read into a design', { skip: !existsSync(TREASUREMAP) && 'no treasuremap fixture' }, async () => {
  const site = await assembleSite({ site: 'seaworthy', repository: TREASUREMAP });
  const rendered = render(site.documents, { failOnMissingSubSrc: false, cleartextSecrets: true }).documents;
  const ours = rendered.filter((d) => !isDataSchema(d) && WORKFLOW_SCHEMAS.has(d.schema));
  assert.ok(ours.length > 20, `${ours.length} documents of the workflow's kinds`);
  const errors = validateDocuments(ours, { phase: 'post', dataSchemas: [...WORKFLOW_DATA_SCHEMAS] }).filter((m) => m.error);
  assert.deepEqual(errors.map((e) => `${e.documents[0].name} ${e.path}: ${e.message}`), []);

  // Its software is Helm charts (armada/Chart), not Workloads: read the machines part. Its
  // boot action fetches a script from Promenade at deploy time, which Strata does not do.
  const machines = ours.filter((d) => d.schema.startsWith('drydock/') || d.schema.startsWith('shipyard/'));
  assert.throws(() => readDesign(machines), (err: Error) => {
    assert.equal(err.message, 'drydock/BootAction/v1 promjoin at data.assets[0].location: assets fetched from a location are not supported; give the content as data');
    return true;
  });
  const design = readDesign(machines.filter((d) => d.schema !== 'drydock/BootAction/v1'));
  assert.ok(design.nodes.length >= 4, `${design.nodes.length} nodes`);
  assert.deepEqual(design.groups.map((g) => [g.name, g.critical]).slice(0, 2), [['masters', true], ['workers', true]]);
  assert.ok(groupNodes(design.groups[0], design.nodes).length > 0, 'the masters group selects nodes by tag');
  const r = nodeRequests(design.nodes[0]);
  assert.equal(r.create.driver, 'ipmi');
  assert.match(String(r.create.driver_info.ipmi_address), /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(r.create.driver_info.ipmi_username, 'root');
});
