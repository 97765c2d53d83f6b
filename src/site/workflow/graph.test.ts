import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from '../render/index.js';
import { readDesign } from './design.js';
import { buildSteps } from './graph.js';
import { WORKFLOW_DATA_SCHEMAS } from './schemas.js';
import { sampleSite } from './testing.js';

const design = readDesign(render(sampleSite(), { cleartextSecrets: true, dataSchemas: [...WORKFLOW_DATA_SCHEMAS] }).documents);
const deps = (steps: ReturnType<typeof buildSteps>) => Object.fromEntries(steps.map((s) => [s.id, s.deps.map((d) => `${d.step}${d.hard ? '' : '?'}`)]));

test('deploy_site: Drydock steps, a step per group after those it depends on, software after every group', () => {
  const steps = buildSteps('deploy_site', {}, design);
  assert.deepEqual(deps(steps), {
    preflight: [],
    validate_site_design: ['preflight'],
    verify_site: ['validate_site_design'],
    prepare_site: ['verify_site'],
    prepare_nodes: ['prepare_site'],
    'deploy_nodes.masters': ['prepare_nodes'],
    'deploy_nodes.workers': ['prepare_nodes', 'deploy_nodes.masters'],
    // a non-critical group is a soft dependency: software goes on after its failure
    'armada_build.core': ['deploy_nodes.masters', 'deploy_nodes.workers?'],
    'armada_build.apps': ['armada_build.core'],
    armada_purge: ['armada_build.apps'],
  });
  assert.deepEqual(steps.filter((s) => !s.critical).map((s) => s.id), ['deploy_nodes.workers']);
});

test('the other actions', () => {
  assert.deepEqual(buildSteps('update_software', {}, design).map((s) => s.id), ['preflight', 'validate_site_design', 'prepare_site', 'armada_build.core', 'armada_build.apps', 'armada_purge']);
  assert.deepEqual(buildSteps('redeploy_server', { target_nodes: ['node-1'] }, design).at(-1), { id: 'redeploy_server', kind: 'redeploy_server', critical: true, deps: [{ step: 'validate_site_design', hard: true }], params: { nodes: ['node-1'] } });
  assert.deepEqual(buildSteps('relabel_nodes', {}, design).at(-1)!.params, { nodes: ['node-0', 'node-1', 'node-2'] });
  assert.equal(buildSteps('test_site', {}, design).at(-1)!.kind, 'test_site');
  assert.throws(() => buildSteps('redeploy_server', { target_nodes: 'node-1' }, design), /must be a non-empty list of node names/);
});

test('a site with no software ends with the purge after the groups', () => {
  const bare = readDesign(render(sampleSite().filter((d) => !d.schema.startsWith('armada/') && d.schema !== 'strata/Workload/v1'), { cleartextSecrets: true }).documents);
  assert.deepEqual(deps(buildSteps('deploy_site', {}, bare)).armada_purge, ['deploy_nodes.masters', 'deploy_nodes.workers?']);
});
