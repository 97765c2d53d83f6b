import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTenantConfig } from './tenant-config.js';

describe('parseTenantConfig', () => {
  it('reads tenants, project options, groups and rules', () => {
    const f = parseTenantConfig(`
- authorization-rule:
    name: admins
    conditions:
      - groups: admins
- global-semaphore:
    name: g
    max: 3
- tenant:
    name: t
    max-nodes-per-job: 8
    default-parent: root
    semaphores: [g]
    source:
      local:
        config-projects:
          - org/config:
              load-branch: main
              exclude: [project]
        untrusted-projects:
          - org/jobs:
              shadow: [org/config]
              include: job
              extra-config-paths: [extra.yaml, extra.d/]
              exclude-branches: ['feature/.*']
          - include: [job, nodeset]
            exclude: nodeset
            projects:
              - org/x
              - org/y:
                  implied-branch-matchers: false
          - org/plain
      gerrit:
        untrusted-projects:
          - openstack/nova
`, 'main.yaml');
    assert.deepEqual(f.errors.errors, []);
    assert.equal(f.authorizationRules[0].name, 'admins');
    assert.deepEqual(f.globalSemaphores, [{ name: 'g', max: 3, global: true }]);
    const t = f.tenants[0];
    assert.equal(t.maxNodesPerJob, 8);
    assert.equal(t.maxJobTimeout, 10800);
    assert.equal(t.defaultParent, 'root');
    const [local, gerrit] = t.sources;
    assert.equal(local.connection, 'local');
    assert.equal(gerrit.connection, 'gerrit');
    const byName = Object.fromEntries(local.projects.map((p) => [p.name, p]));
    assert.equal(byName['org/config'].trusted, true);
    assert.equal(byName['org/config'].loadBranch, 'main');
    assert.ok(!byName['org/config'].loadClasses.has('project'));
    assert.ok(byName['org/config'].loadClasses.has('pipeline'));
    assert.deepEqual([...byName['org/jobs'].loadClasses], ['job']);
    assert.deepEqual(byName['org/jobs'].shadow, ['org/config']);
    assert.deepEqual(byName['org/jobs'].extraConfigFiles, ['extra.yaml']);
    assert.deepEqual(byName['org/jobs'].extraConfigDirs, ['extra.d']);
    assert.ok(byName['org/jobs'].excludeBranches![0].fullmatch('feature/x'));
    assert.deepEqual([...byName['org/x'].loadClasses], ['job']);
    assert.equal(byName['org/y'].impliedBranchMatchers, false);
    assert.ok(!byName['org/plain'].loadClasses.has('pipeline'), 'untrusted projects never load pipelines');
    assert.equal(byName['org/plain'].line, 32);
  });

  it('reports errors with the line and keeps valid tenants', () => {
    const f = parseTenantConfig(`
- tenant:
    name: good
    source: {local: {config-projects: [a]}}
- tenant:
    name: bad
    max-nodes-per-job: many
- tenant:
    name: good
- tenant:
    name: worse
    source:
      local:
        untrusted-projects:
          - org/a:
              include: [jobs]
- tenant:
    name: t2
    semaphores: [nope]
- nonsense: {}
`, 'main.yaml');
    assert.deepEqual(f.tenants.map((t) => t.name), ['good', 't2']);
    assert.deepEqual(f.errors.all.map((e) => `${e.code}:${e.location?.line}`), [
      'schema:7', 'duplicate:8', 'schema:16', 'schema:20', 'semaphore-not-found:19',
    ]);
    assert.match(f.errors.all[0].message, /^main.yaml:7 \(tenant "bad", attribute "max-nodes-per-job"\): error: expected int/);
  });

  it('reports invalid YAML', () => {
    const f = parseTenantConfig('- tenant:\n  name: [\n', 'main.yaml');
    assert.equal(f.errors.errors[0].code, 'yaml');
    assert.equal(f.tenants.length, 0);
  });
});
