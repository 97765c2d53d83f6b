import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobConfigurationError, JobCycleError } from './errors.js';
import { freezeJobGraph } from './freeze.js';
import { BASE_CONFIG, loadMemory, problems, repo, simpleTenant } from '../../../test/helpers/gate/config.js';

async function layoutWith(config: string, projectA: string, opts: { aBranches?: Record<string, string>; extraConfig?: string } = {}) {
  const more: Record<string, Record<string, string>> = {};
  for (const [b, text] of Object.entries(opts.aBranches ?? {})) more[b] = { '.zuul.yaml': text };
  const loaded = await loadMemory(simpleTenant(['org/a', 'org/b']), {
    'org/config': repo({ 'zuul.d/00-base.yaml': BASE_CONFIG + (opts.extraConfig ?? ''), 'zuul.d/jobs.yaml': config }),
    'org/a': repo({ '.zuul.yaml': projectA }, more),
    'org/b': repo({}),
  });
  return loaded;
}

describe('freezeJobGraph', () => {
  it('inherits from parents, applies branch variants in order and merges vars as Zuul does', async () => {
    const loaded = await layoutWith(`
- job:
    name: unit
    run: make test
    vars:
      a: {x: 1, y: 1}
      keep: parent
    timeout: 600
- job:
    name: unit
    branches: stable/.*
    vars:
      a: {y: 2}
    attempts: 5
`, `
- project:
    vars:
      a: {x: 100, z: 100}
      proj: 1
    check:
      jobs:
        - unit:
            vars:
              fromppc: true
            voting: false
`, { aBranches: { 'stable/1': `
- project:
    check:
      jobs:
        - unit
` } });
    assert.deepEqual(problems(loaded, 'error'), []);
    const layout = loaded.layout;
    const master = freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'master', files: ['x.c'] });
    const unit = master.graph.getJob('unit')!;
    assert.equal(unit.parent, 'base');
    assert.deepEqual(unit.run.map((s) => s.command), ['make test']);
    assert.equal(unit.timeout, 600);
    assert.equal(unit.attempts, 3);
    assert.equal(unit.voting, false);
    // Project vars sit under job vars; the project-pipeline variant's vars on top.
    assert.deepEqual(unit.vars, { a: { x: 1, z: 100, y: 1 }, proj: 1, keep: 'parent', fromppc: true });
    assert.deepEqual(unit.nodeset.nodes, [{ name: ['controller'], label: 'debian-12' }]);
    assert.equal(unit.inheritancePath.length, 3); // base, unit, the project-pipeline variant

    const stable = freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'stable/1', files: ['x.c'] });
    const su = stable.graph.getJob('unit')!;
    assert.equal(su.attempts, 5);
    assert.equal(su.voting, true);
    assert.deepEqual(su.vars, { a: { x: 1, y: 2 }, keep: 'parent' });
  });

  it('runs a job only when files match, honors irrelevant-files, and runs hard dependencies of matching jobs', async () => {
    const { layout } = await layoutWith(`
- job:
    name: docs
    run: make docs
    files: ['^doc/.*']
- job:
    name: build
    run: make
    irrelevant-files: ['^doc/.*', '.*\\.md$']
- job:
    name: lint
    run: make lint
    files: ['^never/']
- job:
    name: deploy
    run: make deploy
    dependencies: [lint, {name: docs, soft: true}]
`, `
- project:
    check:
      jobs: [docs, build, lint, deploy]
`);
    const names = (files?: string[]) => freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'master', files }).graph.jobs.map((j) => j.name);
    // lint does not match its files but deploy needs it (hard); docs does not match and is soft.
    assert.deepEqual(names(['src/main.c']), ['build', 'lint', 'deploy']);
    assert.deepEqual(names(['doc/index.rst', 'README.md']), ['docs', 'lint', 'deploy']);
    // No file information: file matchers match.
    assert.deepEqual(names(undefined), ['docs', 'build', 'lint', 'deploy']);
    const g = freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'master', files: ['doc/x'] }).graph;
    assert.deepEqual(g.getDependencies('deploy'), [{ name: 'lint', soft: false }, { name: 'docs', soft: true }]);
    assert.equal(g.getJob('lint')!.matchesFiles, false);
  });

  it('rejects a hard dependency on a job that does not run', async () => {
    const { layout } = await layoutWith(`
- job:
    name: lint
    run: make lint
    branches: ^never$
- job:
    name: deploy
    run: make deploy
    dependencies: [lint]
`, `
- project:
    check:
      jobs: [lint, deploy]
`);
    assert.throws(() => freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'master' }),
      (e: unknown) => e instanceof JobConfigurationError && e.code === 'dependency-not-run' && /depends on lint which was not run/.test(e.message));
  });

  it('rejects dependency cycles with file:line, at load and at freeze', async () => {
    const loaded = await layoutWith(`
- job:
    name: one
    run: 'true'
    dependencies: [two]
- job:
    name: two
    run: 'true'
    dependencies: [one]
`, `
- project:
    check:
      jobs: [one, two]
`);
    const cyc = loaded.layout.errors.all.find((e) => e.code === 'dependency-cycle');
    assert.ok(cyc, 'load reports the cycle');
    assert.equal(cyc.location?.path, '.zuul.yaml');
    assert.equal(cyc.location?.line, 2);
    assert.throws(() => freezeJobGraph(loaded.layout, 'check', { project: 'org/a', branch: 'master' }),
      (e: unknown) => e instanceof JobCycleError && e.code === 'dependency-cycle' && e.location?.path === 'zuul.d/jobs.yaml');
  });

  it('rejects parent cycles with file:line', async () => {
    const loaded = await layoutWith(`
- job:
    name: one
    parent: two
    run: 'true'
- job:
    name: two
    parent: one
`, `
- project:
    check:
      jobs: [one]
`);
    const e = loaded.layout.errors.all.find((x) => x.code === 'parent-cycle');
    assert.ok(e);
    assert.equal(e.location?.path, 'zuul.d/jobs.yaml');
    assert.match(e.message, /one -> two -> one/);
    assert.throws(() => freezeJobGraph(loaded.layout, 'check', { project: 'org/a', branch: 'master' }), JobCycleError);
  });

  it('enforces final, abstract and post-review rules', async () => {
    const { layout } = await layoutWith(`
- job:
    name: fin
    run: 'true'
    final: true
- job:
    name: abs
    run: 'true'
    abstract: true
- job:
    name: secretive
    run: 'true'
    post-review: true
`, `
- project:
    check:
      jobs:
        - fin:
            timeout: 10
- project:
    name: org/a
    gate:
      jobs: [abs]
`);
    assert.throws(() => freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'master' }),
      (e: unknown) => e instanceof JobConfigurationError && e.code === 'final-job' && e.location?.path === '.zuul.yaml');
    assert.throws(() => freezeJobGraph(layout, 'gate', { project: 'org/a', branch: 'master' }),
      (e: unknown) => e instanceof JobConfigurationError && e.code === 'abstract-job');
    const { layout: l2 } = await layoutWith(`
- job:
    name: secretive
    run: 'true'
    post-review: true
`, `
- project:
    check: {jobs: [secretive]}
    gate: {jobs: [secretive]}
`);
    assert.throws(() => freezeJobGraph(l2, 'check', { project: 'org/a', branch: 'master' }), /Pre-review pipeline check does not allow post-review job secretive/);
    assert.equal(freezeJobGraph(l2, 'gate', { project: 'org/a', branch: 'master' }).graph.size, 1);
  });

  it('a context attribute may change on a final job in a project pipeline', async () => {
    const { layout } = await layoutWith(`
- job:
    name: fin
    run: 'true'
    final: true
`, `
- project:
    check:
      jobs:
        - fin:
            voting: false
`);
    const j = freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'master' }).graph.getJob('fin')!;
    assert.equal(j.voting, false);
    assert.equal(j.final, true);
  });

  it('freezes a job that runs playbooks: each step a playbook of its project, parents\' pre-run first', async () => {
    const loaded = await layoutWith(`
- job:
    name: pb
    pre-run: playbooks/pre.yaml
    run: [playbooks/run.yaml, make]
`, `
- job:
    name: child
    parent: pb
    pre-run: playbooks/child-pre.yml
- project:
    check: {jobs: [child]}
`);
    assert.deepEqual(loaded.layout.errors.all.map((e) => e.code), []);
    const j = freezeJobGraph(loaded.layout, 'check', { project: 'org/a', branch: 'master' }).graph.getJob('child')!;
    assert.deepEqual(j.preRun.map((s) => [s.kind, s.command, s.trusted]), [['playbook', 'playbooks/pre.yaml', true], ['playbook', 'playbooks/child-pre.yml', false]]);
    assert.deepEqual(j.run.map((s) => s.kind), ['playbook', 'command']);
  });

  it('merges required-projects, tags and semaphores; honors !override', async () => {
    const { layout } = await layoutWith(`
- job:
    name: parent-job
    run: 'true'
    required-projects: [org/b]
    tags: [p]
    semaphores: [lock]
    hold-following-changes: true
- job:
    name: child
    parent: parent-job
    required-projects:
      - name: org/a
        override-checkout: stable/1
    tags: [c]
- job:
    name: child2
    parent: parent-job
    required-projects: !override [org/a]
    tags: !override [only]
`, `
- project:
    gate:
      jobs: [child, child2]
`, { extraConfig: `
- semaphore:
    name: lock
    max: 2
` });
    const g = freezeJobGraph(layout, 'gate', { project: 'org/a', branch: 'master' }).graph;
    const child = g.getJob('child')!;
    assert.deepEqual(child.requiredProjects.map((p) => [p.name, p.overrideCheckout]), [['org/b', undefined], ['org/a', 'stable/1']]);
    assert.deepEqual(child.tags.sort(), ['c', 'p']);
    assert.deepEqual(child.semaphores, [{ name: 'lock', resourcesFirst: false, max: 2 }]);
    assert.equal(child.holdFollowingChanges, true);
    const child2 = g.getJob('child2')!;
    assert.deepEqual(child2.requiredProjects.map((p) => p.name), ['org/a']);
    assert.deepEqual(child2.tags, ['only']);
  });

  it('combines templates and the project, in order, and reports fail-fast', async () => {
    const { layout } = await layoutWith(`
- job: {name: t1, run: 'true'}
- job: {name: t2, run: 'true'}
- job: {name: p1, run: 'true'}
- project-template:
    name: tmpl
    vars: {from: template, both: template}
    check:
      jobs: [t1, t2]
`, `
- project:
    templates: [tmpl]
    vars: {both: project}
    check:
      fail-fast: true
      jobs: [p1, t1]
`);
    const fg = freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'master' });
    assert.deepEqual(fg.graph.jobs.map((j) => j.name), ['t1', 't2', 'p1']);
    assert.equal(fg.failFast, true);
    assert.deepEqual(fg.graph.getJob('t2')!.vars, { from: 'template', both: 'project' });
    // org/b has no project stanza: it does not take part.
    const none = freezeJobGraph(layout, 'check', { project: 'org/b', branch: 'master' });
    assert.equal(none.participates, false);
    assert.equal(none.graph.size, 0);
  });

  it('resolves named nodesets and alternatives to labels', async () => {
    const { layout } = await layoutWith(`
- nodeset:
    name: fast
    nodes: [{name: n, label: fast-label}]
- nodeset:
    name: slow
    nodes:
      - name: [a, b]
        label: slow-label
    groups: [{name: g, nodes: [a]}]
- nodeset:
    name: either
    alternatives: [fast, slow]
- job: {name: alt, run: 'true', nodeset: either}
`, `
- project:
    check: {jobs: [alt]}
`);
    const j = freezeJobGraph(layout, 'check', { project: 'org/a', branch: 'master' }).graph.getJob('alt')!;
    assert.equal(j.nodeset.name, 'fast');
    assert.deepEqual(j.nodesetAlternatives.map((n) => n.nodes.map((x) => x.label)), [['fast-label'], ['slow-label']]);
    assert.deepEqual(j.nodesetAlternatives[1].groups, [{ name: 'g', nodes: ['a'] }]);
  });

  it('ignores file matchers for a job the change reconfigures (match-on-config-updates)', async () => {
    const before = await layoutWith(`
- job: {name: docs, run: make docs, files: ['^doc/']}
`, `
- project:
    check: {jobs: [docs]}
`);
    const after = await layoutWith(`
- job: {name: docs, run: make docs, files: ['^doc/']}
`, `
- project:
    check:
      jobs:
        - docs:
            vars: {changed: true}
`);
    const change = { project: 'org/a', branch: 'master', files: ['.zuul.yaml'] };
    assert.equal(freezeJobGraph(after.layout, 'check', change).graph.size, 0);
    assert.equal(freezeJobGraph(after.layout, 'check', change, { previousLayout: before.layout }).graph.size, 1);
    // Unchanged job: the file matcher still applies.
    assert.equal(freezeJobGraph(before.layout, 'check', change, { previousLayout: after.layout }).graph.size, 1);
    const same = await layoutWith(`
- job: {name: docs, run: make docs, files: ['^doc/']}
`, `
- project:
    check: {jobs: [docs]}
`);
    assert.equal(freezeJobGraph(same.layout, 'check', change, { previousLayout: before.layout }).graph.size, 0);
  });

  it('passes secrets to steps and pass-to-parent to inherited steps', async () => {
    const { layout } = await layoutWith(`
- secret:
    name: creds
    data:
      token: !encrypted/pkcs1-oaep AAAA
- job:
    name: publish-base
    run: ./publish
    post-review: true
- job:
    name: publish
    parent: publish-base
    secrets:
      - name: creds_var
        secret: creds
        pass-to-parent: true
`, `
- project:
    gate: {jobs: [publish]}
`);
    const j = freezeJobGraph(layout, 'gate', { project: 'org/a', branch: 'master' }).graph.getJob('publish')!;
    assert.deepEqual(j.run[0].secrets, ['creds_var']);
    assert.equal(j.secrets[0].alias, 'creds_var');
    assert.equal(j.secrets[0].project, 'org/config');
  });

  it('selects variants by override-checkout when the project has that branch', async () => {
    const loaded = await loadMemory(simpleTenant(['org/lib', 'org/a']), {
      'org/config': repo({ 'zuul.yaml': BASE_CONFIG }),
      'org/lib': repo({ 'zuul.yaml': '- job: {name: libtest, run: master-run}\n' }, { 'stable/1': { 'zuul.yaml': '- job: {name: libtest, run: stable-run}\n' } }),
      'org/a': repo({ 'zuul.yaml': `
- job:
    name: uses-stable
    parent: libtest
    override-checkout: stable/1
- project:
    check: {jobs: [libtest, uses-stable]}
` }),
    });
    assert.deepEqual(problems(loaded, 'error'), []);
    const g = freezeJobGraph(loaded.layout, 'check', { project: 'org/a', branch: 'master' }).graph;
    assert.deepEqual(g.getJob('libtest')!.run.map((s) => s.command), ['master-run']);
    assert.deepEqual(g.getJob('uses-stable')!.run.map((s) => s.command), ['stable-run']);
  });
});

describe('freezeJobGraph with a missing template', () => {
  it('fails the item rather than running fewer jobs', async () => {
    const loaded = await loadMemory(simpleTenant(['org/a']), {
      'org/config': repo({ 'zuul.yaml': BASE_CONFIG }),
      'org/a': repo({ 'zuul.yaml': '- project:\n    templates: [gone]\n    check: {jobs: [base]}\n' }),
    });
    assert.deepEqual(problems(loaded), ['project-template-not-found@zuul.yaml:2']);
    assert.throws(() => freezeJobGraph(loaded.layout, 'check', { project: 'org/a', branch: 'master' }),
      (e: unknown) => e instanceof Error && /Project template gone not found/.test(e.message));
  });
});
