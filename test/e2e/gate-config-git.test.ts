// Loads a tenant from real git repositories of the `local` connection (one
// non-bare, one bare with two branches), freezes jobs, builds speculative
// layouts from commits that are not on any branch, and checks a tenant file
// against the git root.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildSpeculativeLayout, CachingReader, checkConfig, freezeJobGraph, GitReader, loadAllTenants, loadTenantLayout, parseTenantConfig,
  type Layout, type TenantConfig,
} from '../../src/gate/config/index.js';

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH, HOME: cwd, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1',
    },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

async function commitFiles(work: string, files: Record<string, string>, message: string): Promise<string> {
  for (const [p, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(work, p)), { recursive: true });
    await writeFile(path.join(work, p), content);
  }
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', message);
  return git(work, 'rev-parse', 'HEAD');
}

const PIPELINES = `- pipeline:
    name: check
    manager: independent
    trigger:
      local:
        - event: patchset-created
    success:
      local: {Verified: 1}
    failure:
      local: {Verified: -1}
- pipeline:
    name: gate
    manager: dependent
    trigger:
      local:
        - event: comment-added
          approval: [{Workflow: 1}]
    success:
      local: {Verified: 2, submit: true}
`;

const BASE = `- job:
    name: base
    parent: null
    run: echo setup
    nodeset:
      nodes: [{name: node, label: debian}]
`;

describe('gate config from git', () => {
  let tmp: string;
  let root: string;
  let aWork: string;
  let tenant: TenantConfig;
  let tenantFile: string;
  let layout: Layout;

  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'gate-config-git-'));
    root = path.join(tmp, 'git');
    // org/config: a non-bare repository.
    const config = path.join(root, 'org/config');
    await mkdir(config, { recursive: true });
    git(config, 'init', '-q', '-b', 'master');
    await commitFiles(config, { 'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': BASE, 'README': 'config\n' }, 'config');
    // The working tree is not what is read: an uncommitted edit is ignored.
    await writeFile(path.join(config, 'zuul.d/jobs.yaml'), 'not: [yaml');
    // org/a: a bare repository with master and stable/1, fed from a clone.
    const bare = path.join(root, 'org/a');
    await mkdir(bare, { recursive: true });
    git(bare, 'init', '-q', '--bare', '-b', 'master');
    aWork = path.join(tmp, 'a-work');
    git(tmp, 'clone', '-q', bare, aWork);
    git(aWork, 'checkout', '-q', '-b', 'master');
    await commitFiles(aWork, {
      '.zuul.yaml': '- job: {name: unit, run: make test, files: [\'^src/\']}\n- project:\n    queue: integrated\n    check: {jobs: [unit]}\n    gate: {jobs: [unit]}\n',
      'src/main.c': 'int main() {}\n',
    }, 'a master');
    git(aWork, 'push', '-q', 'origin', 'master');
    git(aWork, 'checkout', '-q', '-b', 'stable/1');
    await commitFiles(aWork, { '.zuul.yaml': '- job: {name: unit, run: make old-test}\n- project:\n    check: {jobs: [unit]}\n' }, 'a stable');
    git(aWork, 'push', '-q', 'origin', 'stable/1');
    git(aWork, 'checkout', '-q', 'master');

    tenantFile = path.join(tmp, 'main.yaml');
    await writeFile(tenantFile, `- tenant:
    name: example
    source:
      local:
        config-projects:
          - org/config
        untrusted-projects:
          - org/a
`);
    tenant = parseTenantConfig(await (await import('node:fs/promises')).readFile(tenantFile, 'utf8'), tenantFile).tenants[0];
    layout = await loadTenantLayout(tenant, new GitReader(root));
  });

  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('loads committed configuration from bare and non-bare repositories', () => {
    assert.deepEqual(layout.errors.all.map((e) => e.message), []);
    assert.deepEqual([...layout.pipelines.keys()], ['check', 'gate']);
    assert.deepEqual(layout.tenant.getProject('org/a')?.branches, ['master', 'stable/1']);
    assert.deepEqual(layout.getJobs('unit').map((j) => j.branches?.map((b) => b.pattern)), [['master'], ['stable/1']]);
    assert.deepEqual(layout.getProjectQueue('org/a'), { name: 'integrated', queue: undefined });
  });

  it('freezes jobs per branch', () => {
    const master = freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'master', files: ['src/main.c'] });
    const unit = master.graph.getJob('unit')!;
    assert.deepEqual(unit.preRun, []);
    assert.deepEqual(unit.run.map((s) => [s.command, s.project, s.path, s.line, s.trusted]), [['make test', 'org/a', '.zuul.yaml', 1, false]]);
    assert.deepEqual(unit.nodeset.nodes, [{ name: ['node'], label: 'debian' }]);
    assert.equal(freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'master', files: ['README'] }).graph.size, 0);
    const stable = freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'stable/1', files: ['README'] });
    assert.deepEqual(stable.graph.getJob('unit')!.run.map((s) => s.command), ['make old-test']);
    assert.equal(freezeJobGraph(layout, 'gate', { project: 'org/a', branch: 'stable/1' }).participates, false);
  });

  it('tests a change with its own configuration, read from its commit', async () => {
    git(aWork, 'checkout', '-q', '-b', 'change-1', 'master');
    const sha = await commitFiles(aWork, {
      '.zuul.yaml': '- job: {name: unit, run: make test, files: [\'^src/\']}\n- job: {name: lint, run: make lint}\n- project:\n    check: {jobs: [unit, lint]}\n',
    }, 'add lint');
    git(aWork, 'push', '-q', 'origin', 'HEAD:refs/changes/01/1/1');
    const res = await buildSpeculativeLayout({
      tenantConfig: tenant, reader: new GitReader(root), current: layout,
      changes: [{ project: 'org/a', branch: 'master', ref: sha, files: ['.zuul.yaml'] }],
      itemChanges: [{ project: 'org/a', branch: 'master' }],
    });
    assert.ok(res.layout);
    assert.deepEqual(res.errors, []);
    const g = freezeJobGraph(res.layout, 'check', { project: 'org/a', branch: 'master', files: ['.zuul.yaml'] }, { previousLayout: layout });
    assert.deepEqual(g.graph.jobs.map((j) => j.name), ['lint']);
    // The branch itself is unchanged.
    const again = await loadTenantLayout(tenant, new GitReader(root));
    assert.ok(!again.jobs.has('lint'));
  });

  it('reports an invalid change on the change, with file and line, and keeps the last good layout', async () => {
    git(aWork, 'checkout', '-q', '-b', 'change-2', 'master');
    const sha = await commitFiles(aWork, {
      '.zuul.yaml': '- job:\n    name: unit\n    run: make test\n- project:\n    check:\n      jobs:\n        - unit\n        - nonexistent\n- job:\n    name: pb\n    runs: deploy.yml\n',
    }, 'broken');
    git(aWork, 'push', '-q', 'origin', 'HEAD:refs/changes/02/2/1');
    const res = await buildSpeculativeLayout({
      tenantConfig: tenant, reader: new GitReader(root), current: layout,
      changes: [{ project: 'org/a', branch: 'master', ref: sha, files: ['.zuul.yaml'] }],
      itemChanges: [{ project: 'org/a', branch: 'master' }],
    });
    assert.equal(res.layout, null);
    assert.deepEqual(res.errors.map((e) => `${e.file}@${e.location?.branch}:${e.line} ${e.code}`).sort(), [
      'org/a/.zuul.yaml@master:11 schema',
      'org/a/.zuul.yaml@master:8 job-not-found',
    ]);
    assert.ok(layout.jobs.has('unit'));
    // A commit the repository does not have is reported too, at the project's tenant file line.
    const missing = await buildSpeculativeLayout({
      tenantConfig: tenant, reader: new GitReader(root), current: layout,
      changes: [{ project: 'org/a', branch: 'master', ref: 'f'.repeat(40), files: ['.zuul.yaml'] }],
      itemChanges: [{ project: 'org/a', branch: 'master' }],
    });
    assert.equal(missing.layout, null);
    assert.deepEqual(missing.errors.map((e) => `${e.line} ${e.code}`), ['8 read-failed']);
  });

  it('reports a nonexistent project and a bad ref with the tenant file line', async () => {
    const broken = parseTenantConfig(`- tenant:
    name: broken
    source:
      local:
        config-projects:
          - org/config
        untrusted-projects:
          - org/a
          - org/ghost
          - ../escape
`, tenantFile).tenants[0];
    const l = await loadTenantLayout(broken, new GitReader(root));
    assert.deepEqual(l.errors.errors.map((e) => `${e.line} ${e.code}`), ['9 project-not-found', '10 project-not-found']);
    await assert.rejects(new GitReader(root).readConfigFiles('org/a', 'no-such-branch', { files: ['zuul.yaml'], dirs: [] }), /unknown ref/);
  });

  it('loads every tenant of a file, and sees a moved branch after invalidation', async () => {
    const file = parseTenantConfig(`- tenant:
    name: one
    source: {local: {config-projects: [org/config], untrusted-projects: [org/a]}}
- tenant:
    name: two
    source: {local: {config-projects: [org/config]}}
`, tenantFile);
    const caching = new CachingReader(new GitReader(root));
    const all = await loadAllTenants(file, caching);
    assert.deepEqual([...all.keys()], ['one', 'two']);
    assert.ok(all.get('one')!.jobs.has('unit'));
    assert.ok(!all.get('two')!.jobs.has('unit'));
    git(aWork, 'checkout', '-q', 'master');
    await commitFiles(aWork, { '.zuul.yaml': '- job: {name: unit, run: make test}\n- job: {name: merged, run: x}\n- project: {check: {jobs: [unit]}}\n' }, 'merge');
    git(aWork, 'push', '-q', 'origin', 'master');
    assert.ok(!(await loadAllTenants(file, caching)).get('one')!.jobs.has('merged'), 'cached until invalidated');
    caching.invalidate('org/a');
    assert.ok((await loadAllTenants(file, caching)).get('one')!.jobs.has('merged'));
  });

  it('checks a tenant file against the git root', async () => {
    const res = await checkConfig(tenantFile, { gitRoot: root });
    assert.equal(res.kind, 'tenant-file');
    assert.equal(res.ok, true);
    assert.deepEqual(res.tenants, ['example']);
    await writeFile(path.join(tmp, 'bad.yaml'), '- tenant:\n    name: x\n    source:\n      local:\n        untrusted-projects: [org/nope]\n');
    const bad = await checkConfig(path.join(tmp, 'bad.yaml'), { gitRoot: root });
    assert.deepEqual(bad.errors.map((e) => `${e.file}:${e.line} ${e.code}`), [`${path.join(tmp, 'bad.yaml')}:5 project-not-found`]);
  });
});
