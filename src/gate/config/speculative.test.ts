import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freezeJobGraph } from './freeze.js';
import { loadTenantLayout } from './loader.js';
import { MemoryReader } from './reader.js';
import { buildSpeculativeLayout, isConfigFile } from './speculative.js';
import { BASE_CONFIG, simpleTenant } from '../../../test/helpers/gate/config.js';

const A_MASTER = '- job: {name: unit, run: make test}\n- project: {check: {jobs: [unit]}}\n';

function reader() {
  return new MemoryReader({
    'org/config': {
      branches: { master: { 'zuul.yaml': BASE_CONFIG } },
      refs: { c0ffee01: { 'zuul.yaml': `${BASE_CONFIG}- job: {name: trusted-new, run: x}\n` }, bad0c0f1: { 'zuul.yaml': '- job: {name: x, nope: 1}\n' } },
    },
    'org/a': {
      branches: { master: { 'zuul.yaml': A_MASTER } },
      refs: {
        aaaa0001: { 'zuul.yaml': '- job: {name: unit, run: make test}\n- job: {name: lint, run: make lint}\n- project: {check: {jobs: [unit, lint]}}\n' },
        aaaa0002: { 'zuul.yaml': '- job: {name: unit, run: make test}\n- project: {check: {jobs: [unit, missing-job]}}\n' },
        aaaa0003: { 'zuul.yaml': '- job: {name: lint, parent: trusted-new}\n- project: {check: {jobs: [lint]}}\n' },
      },
    },
  });
}

describe('buildSpeculativeLayout', () => {
  it('recognizes config files', () => {
    assert.ok(isConfigFile('zuul.yaml'));
    assert.ok(isConfigFile('.zuul.d/jobs.yaml'));
    assert.ok(!isConfigFile('src/zuul.yaml'));
    assert.ok(isConfigFile('ci/extra.yaml', ['ci/extra.yaml']));
  });

  it('uses the current layout when no config changes', async () => {
    const tenant = simpleTenant(['org/a']);
    const current = await loadTenantLayout(tenant, reader());
    const r = await buildSpeculativeLayout({
      tenantConfig: tenant, reader: reader(), current, itemChanges: [{ project: 'org/a', branch: 'master' }],
      changes: [{ project: 'org/a', branch: 'master', ref: 'aaaa0001', files: ['src/x.c'] }],
    });
    assert.equal(r.layout, current);
    assert.equal(r.speculative, false);
  });

  it('tests an untrusted change with its own config', async () => {
    const tenant = simpleTenant(['org/a']);
    const current = await loadTenantLayout(tenant, reader());
    const r = await buildSpeculativeLayout({
      tenantConfig: tenant, reader: reader(), current, itemChanges: [{ project: 'org/a', branch: 'master' }],
      changes: [{ project: 'org/a', branch: 'master', ref: 'aaaa0001', files: ['zuul.yaml'] }],
    });
    assert.ok(r.layout && r.layout !== current);
    const g = freezeJobGraph(r.layout, 'check', { project: 'org/a', branch: 'master', files: ['zuul.yaml'] });
    assert.deepEqual(g.graph.jobs.map((j) => j.name), ['unit', 'lint']);
    assert.deepEqual(freezeJobGraph(current, 'check', { project: 'org/a', branch: 'master' }).graph.jobs.map((j) => j.name), ['unit']);
  });

  it('reports an invalid config on the change and never uses it', async () => {
    const tenant = simpleTenant(['org/a']);
    const current = await loadTenantLayout(tenant, reader());
    const r = await buildSpeculativeLayout({
      tenantConfig: tenant, reader: reader(), current, itemChanges: [{ project: 'org/a', branch: 'master' }],
      changes: [{ project: 'org/a', branch: 'master', ref: 'aaaa0002', files: ['zuul.yaml'] }],
    });
    assert.equal(r.layout, null);
    assert.deepEqual(r.errors.map((e) => e.message), ['org/a/zuul.yaml@master:2 (project "org/a", attribute "check"): error: Job missing-job not defined']);
  });

  it('checks config-project changes but runs with the current layout', async () => {
    const tenant = simpleTenant(['org/a']);
    const current = await loadTenantLayout(tenant, reader());
    const ok = await buildSpeculativeLayout({
      tenantConfig: tenant, reader: reader(), current, itemChanges: [{ project: 'org/config', branch: 'master' }],
      changes: [{ project: 'org/config', branch: 'master', ref: 'c0ffee01', files: ['zuul.yaml'] }],
    });
    assert.equal(ok.layout, current);
    const bad = await buildSpeculativeLayout({
      tenantConfig: tenant, reader: reader(), current, itemChanges: [{ project: 'org/config', branch: 'master' }],
      changes: [{ project: 'org/config', branch: 'master', ref: 'bad0c0f1', files: ['zuul.yaml'] }],
    });
    assert.equal(bad.layout, null);
    assert.ok(bad.errors.some((e) => e.code === 'schema' && e.location?.project === 'org/config'));
    // An untrusted change that needs the config-project change ahead of it.
    const dep = await buildSpeculativeLayout({
      tenantConfig: tenant, reader: reader(), current, itemChanges: [{ project: 'org/a', branch: 'master' }],
      changes: [
        { project: 'org/config', branch: 'master', ref: 'c0ffee01', files: ['zuul.yaml'] },
        { project: 'org/a', branch: 'master', ref: 'aaaa0003', files: ['zuul.yaml'] },
      ],
    });
    assert.equal(dep.layout, null);
    assert.match(dep.message ?? '', /depends on a change to a config project/);
  });
});

describe('introducedErrors', () => {
  it('lists errors the current layout does not have', async () => {
    const { introducedErrors } = await import('./speculative.js');
    const tenant = simpleTenant(['org/a']);
    const good = await loadTenantLayout(tenant, reader());
    const r = reader();
    r.repos['org/a'].branches.master = { 'zuul.yaml': '- project: {check: {jobs: [gone]}}\n' };
    const bad = await loadTenantLayout(tenant, r);
    assert.deepEqual(introducedErrors(good, bad).map((e) => e.code), ['job-not-found']);
    assert.deepEqual(introducedErrors(bad, bad), []);
  });
});
