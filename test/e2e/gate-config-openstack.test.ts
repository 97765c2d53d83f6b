// Loads OpenStack's real Zuul configuration (../shared/fixtures/
// zuul-openstack-project-config) as Zuul loads the `openstack` tenant: the
// config project openstack/project-config is the fixture directory; every
// other repository of the tenant is absent, so what it would define is
// reported as unresolved, with file and line, and the load goes on. And
// `strata gate config check` on its zuul.d/ as a user runs it, without a tenant.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { strata } from '../helpers/strata.js';
import { DirectoryReader, loadTenant, parseTenantConfig, type ChangeEventFilter, type LoadedTenant } from '../../src/gate/config/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.resolve(repoRoot, '../shared/fixtures/zuul-openstack-project-config');
const MAIN = path.join(FIXTURE, 'zuul/main.yaml');

async function loadOpenStack(): Promise<{ loaded: LoadedTenant; ms: number }> {
  const start = performance.now();
  const file = parseTenantConfig(readFileSync(MAIN, 'utf8'), MAIN);
  const tenant = file.tenants.find((t) => t.name === 'openstack');
  assert.ok(tenant, 'the openstack tenant is defined');
  const reader = new DirectoryReader({ 'openstack/project-config': { dir: FIXTURE } });
  const loaded = await loadTenant(tenant, reader, { globalSemaphores: file.globalSemaphores });
  return { loaded, ms: performance.now() - start };
}

describe('OpenStack project-config', () => {
  it('parses the tenant file', () => {
    const file = parseTenantConfig(readFileSync(MAIN, 'utf8'), MAIN);
    assert.deepEqual(file.tenants.map((t) => t.name), ['opendev', 'openstack', 'vexxhost', 'zuul', 'pyca', 'pypa', 'volvocars']);
    assert.deepEqual(file.errors.errors, []);
    assert.deepEqual(file.errors.warnings.map((w) => `${w.code}:${w.line}`), ['deprecated-admin-rule:1', 'deprecated-admin-rule:5', 'deprecated-admin-rule:9']);
    const openstack = file.tenants[1];
    assert.deepEqual(openstack.sources.map((s) => [s.connection, s.projects.length]), [['gerrit', 1202], ['github', 53], ['googlesource', 25]]);
    const pc = openstack.sources[0].projects.find((p) => p.name === 'opendev/base-jobs')!;
    assert.equal(pc.trusted, true);
    assert.deepEqual([...pc.loadClasses].sort(), ['job', 'secret']);
    assert.deepEqual(pc.shadow, ['openstack/project-config']);
  });

  it('loads the openstack tenant: every object parses, the unresolved are reported with file:line', async (t) => {
    const { loaded, ms } = await loadOpenStack();
    t.diagnostic(`openstack tenant loaded in ${ms.toFixed(0)} ms`);
    const { layout } = loaded;

    // Every object of the fixture was read and parsed.
    assert.deepEqual(loaded.seen, { project: 1006, job: 80, semaphore: 4, pipeline: 19, secret: 27 });
    assert.deepEqual(loaded.parsed, { pipeline: 19, job: 80, nodeset: 0, secret: 27, semaphore: 4, queue: 0, 'project-template': 0, project: 1006 });
    assert.deepEqual(loaded.files, [{
      project: 'openstack/project-config', branch: 'master', ref: 'master',
      paths: ['zuul.d/gerrit-projects.yaml', 'zuul.d/jobs.yaml', 'zuul.d/pipelines.yaml', 'zuul.d/projects.yaml', 'zuul.d/secrets.yaml', 'zuul.d/starlingx-jobs.yaml'],
    }]);
    const counts = layout.counts();
    assert.equal(counts.jobVariants, 81, '80 job definitions and the built-in noop');
    assert.equal(counts.secrets, 27);
    assert.equal(counts.semaphores, 4);

    // All 19 pipelines with their managers.
    assert.deepEqual(Object.fromEntries([...layout.pipelines.values()].map((p) => [p.name, p.manager])), {
      check: 'independent', gate: 'dependent', 'post-review': 'independent', post: 'supercedent', promote: 'supercedent',
      'pre-release': 'independent', release: 'independent', periodic: 'independent', deploy: 'serial',
      'opendev-prod-hourly': 'independent', 'periodic-weekly': 'independent', 'release-approval': 'independent',
      'release-post': 'independent', tag: 'independent', 'periodic-stable': 'independent', experimental: 'independent',
      'merge-check': 'independent', 'third-party-check': 'independent', 'check-arm64': 'independent',
    });
    const gate = layout.pipelines.get('gate')!;
    assert.deepEqual([gate.windowFloor, gate.windowIncreaseFactor, gate.window, gate.postReview], [20, 2, 20, true]);
    assert.deepEqual(gate.require[0].approvals.map((a) => a.labels), [{ Verified: [1, 2] }, { Workflow: [1] }]);
    assert.equal(gate.reporters.success[0].submit, true);
    assert.equal(gate.reporters.success[0].supported, false, 'gerrit is not a connection Strata has');
    const check = layout.pipelines.get('check')!;
    const recheck = check.triggers.find((f) => f.kind === 'change' && f.comments.length) as ChangeEventFilter;
    assert.ok(recheck.comments[0].search('Patch Set 3:\n\nrecheck'));
    assert.equal(layout.pipelines.get('periodic-weekly')!.triggers[0].kind, 'timer');
    assert.deepEqual(layout.pipelines.get('post-review')!.allowOtherConnections, false);

    // Projects: regex stanzas apply to the tenant's matching projects.
    assert.equal(counts.projectStanzas, 2285);
    assert.equal(layout.getProjectQueue('starlingx/config').name, 'starlingx');

    // A stable summary of what could not be resolved or is not supported.
    assert.deepEqual(layout.errors.summary(), {
      errors: 0,
      warnings: 3057,
      byCode: {
        'warning:unresolved-job': 266,
        'warning:unresolved-nodeset': 5,
        'warning:unresolved-project': 1198,
        'warning:unresolved-project-template': 1582,
        'warning:unsupported-connection': 6,
      },
    });
    for (const e of layout.errors) {
      assert.ok(e.location?.path && typeof e.location.line === 'number', `${e.message} has file and line`);
    }
    const messages = layout.errors.all.map((e) => e.message);
    assert.ok(messages.includes(`${MAIN}:126 (tenant "openstack"): warning: connection "gerrit" is not available in Strata (only "local" is); its 1202 projects are read from the local repositories where present`));
    assert.ok(messages.includes(`${MAIN}:133 (tenant "openstack"): warning: Project opendev/base-jobs of connection "gerrit" is not available; its configuration is not loaded`));
    assert.ok(messages.includes('openstack/project-config/zuul.d/projects.yaml@master:10 (project "^(airship|jjb|starlingx|opendev|openinfra|performa|starlingx|ttygroup|windmill|x|zuul)/.*", attribute "templates"): warning: Project template system-required not found'));
    assert.ok(messages.includes('openstack/project-config/zuul.d/jobs.yaml@master:53 (job "test-release-openstack", attribute "parent"): warning: Job base not defined'));
    // Jobs name playbooks, which the gate runs with Ansible.
    const publish = layout.jobs.get('publish-openstack-artifacts')![0]!;
    assert.deepEqual(publish.postRun?.map((s) => [s.kind, s.command]), [['playbook', 'playbooks/publish/openstack-artifacts.yaml']]);
  });

  it('`strata gate config check` on zuul.d/ as users run it: exit 0, what it cannot know as warnings with file:line', async () => {
    const zuulD = path.join(FIXTURE, 'zuul.d');
    const r = await strata(['gate', 'config', 'check', zuulD]);
    assert.equal(r.code, 0, r.stdout.slice(-2000) + r.stderr);
    const summary = r.stdout.trim().split('\n').at(-1)!;
    assert.match(summary, /zuul\.d: 0 error\(s\), 1067 warning\(s\) \(1006 project, 80 job, 4 semaphore, 19 pipeline, 27 secret\)/);
    assert.ok(r.stdout.includes(`${zuulD}/jobs.yaml:53 (job "test-release-openstack", attribute "parent"): warning: Job base not defined`), r.stdout.slice(0, 2000));
    assert.ok(r.stdout.includes(`${zuulD}/gerrit-projects.yaml:7 (project "gerrit.googlesource.com/gerrit", attribute "name"): warning: The project "gerrit.googlesource.com/gerrit" was not found.`));
    const json = await strata(['--json', 'gate', 'config', 'check', zuulD]);
    const res = JSON.parse(json.stdout);
    const codes: Record<string, number> = {};
    for (const w of res.warnings) codes[w.code] = (codes[w.code] ?? 0) + 1;
    assert.deepEqual(codes, { 'unresolved-job': 22, 'unresolved-nodeset': 1, 'unresolved-project': 1041, 'unsupported-connection': 3 });
    // --strict: the same files as the whole configuration.
    const strict = await strata(['gate', 'config', 'check', '--strict', zuulD]);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout.trim().split('\n').at(-1)!, /: 1064 error\(s\)/);
  });

  it('`strata gate config check` refuses broken YAML in a zuul.d/ copy with file and line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'strata-zuul-d-'));
    try {
      cpSync(path.join(FIXTURE, 'zuul.d'), dir, { recursive: true });
      const jobs = path.join(dir, 'jobs.yaml');
      writeFileSync(jobs, readFileSync(jobs, 'utf8').replace('- job:\n    name: test-release-openstack', '- job:\n    name: [test-release-openstack'));
      const r = await strata(['gate', 'config', 'check', dir]);
      assert.equal(r.code, 1);
      assert.ok(r.stdout.includes(`${jobs}:52: error: missed comma between flow collection entries`), r.stdout);
      assert.match(r.stdout.trim().split('\n').at(-1)!, /: 1 error\(s\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
