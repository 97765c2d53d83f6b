import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseCache } from './loader.js';
import { BranchMatcher } from './change-matcher.js';
import { type ChangeEventFilter } from './model.js';
import { BASE_CONFIG, lineOf, loadMemory, problems, repo, simpleTenant, tenantFromYaml } from '../../../test/helpers/gate/config.js';

describe('loadTenantLayout', () => {
  it('loads config and untrusted projects, in Zuul file order', async () => {
    const loaded = await loadMemory(simpleTenant(['org/a', 'org/b', 'org/c']), {
      'org/config': repo({ 'zuul.d/base.yaml': BASE_CONFIG, 'zuul.d/more/z.yaml': '- job: {name: deep, run: x}\n', 'zuul.d/notes.txt': 'x' }),
      'org/a': repo({ 'zuul.yaml': '- job: {name: a-job, run: make}\n- project: {check: {jobs: [a-job]}}\n' }),
      'org/b': repo({
        '.zuul.d/2.yaml': '- job: {name: b2, run: b}\n',
        '.zuul.d/1.yaml': '- job: {name: b1, run: b}\n',
        '.zuul.d/skip/.zuul.ignore': '',
        '.zuul.d/skip/x.yaml': 'not: [valid',
      }),
      'org/c': repo({ 'zuul.yaml': '- job: {name: c1, run: c}\n', 'zuul.d/x.yaml': '- job: {name: c2, run: c}\n' }),
    });
    const { layout } = loaded;
    assert.deepEqual(problems(loaded), ['multiple-project-configurations@zuul.d:undefined']);
    assert.ok(layout.jobs.has('deep'));
    assert.deepEqual([...layout.jobs.keys()].filter((k) => /^b\d$/.test(k)), ['b1', 'b2']);
    assert.ok(layout.jobs.has('c1'));
    assert.ok(!layout.jobs.has('c2'), 'only the first config root is read');
    assert.deepEqual(loaded.files.find((f) => f.project === 'org/b')?.paths, ['.zuul.d/1.yaml', '.zuul.d/2.yaml']);
    assert.deepEqual([...layout.pipelines.keys()], ['check', 'gate']);
    assert.equal(layout.getProjectMetadata('org/a') !== undefined, true);
  });

  it('reports invalid YAML with file and line and keeps the rest', async () => {
    const loaded = await loadMemory(simpleTenant(['org/a', 'org/b']), {
      'org/config': repo({ 'zuul.yaml': BASE_CONFIG }),
      'org/a': repo({ 'zuul.yaml': '- job:\n    name: a\n    run: [x\n' }),
      'org/b': repo({ 'zuul.yaml': '- job:\n    name: b\n    run: x\n    run: y\n' }),
    });
    const errs = loaded.layout.errors.errors;
    assert.equal(errs.length, 2);
    assert.equal(errs[0].code, 'yaml');
    assert.equal(errs[0].location?.project, 'org/a');
    assert.equal(errs[0].location?.path, 'zuul.yaml');
    assert.equal(typeof errs[0].location?.line, 'number');
    assert.match(errs[1].message, /^org\/b\/zuul.yaml@master:4: error: duplicate mapping key/);
    assert.ok(loaded.layout.jobs.has('base'));
  });

  it('reports schema errors at the attribute line', async () => {
    const loaded = await loadMemory(simpleTenant(['org/a']), {
      'org/config': repo({ 'zuul.yaml': BASE_CONFIG }),
      'org/a': repo({ 'zuul.yaml': '- job:\n    name: a\n    run: x\n    nodset: foo\n- job:\n    name: b\n    voting: maybe\n- job:\n    run: x\n' }),
    });
    const msgs = loaded.layout.errors.errors.map((e) => e.message);
    assert.deepEqual(msgs, [
      'org/a/zuul.yaml@master:4 (job "a", attribute "nodset"): error: extra key "nodset" not allowed (at nodset)',
      'org/a/zuul.yaml@master:7 (job "b", attribute "voting"): error: expected bool, got str (at voting)',
      'org/a/zuul.yaml@master:8 (job): error: required key "name" not provided',
    ]);
  });

  it('reports unknown jobs, templates, parents and nodesets, and nonexistent projects', async () => {
    const loaded = await loadMemory(simpleTenant(['org/a']), {
      'org/config': repo({ 'zuul.yaml': BASE_CONFIG }),
      'org/a': repo({
        'zuul.yaml': `- job:
    name: child
    parent: nope
    run: x
- job:
    name: needs
    run: x
    required-projects: [org/ghost]
- job:
    name: needs-ns
    run: x
    nodeset: missing-ns
- project:
    templates: [no-template]
    check:
      jobs: [undefined-job]
- project:
    name: org/unknown
    check: {jobs: [base]}
`,
      }),
    });
    assert.deepEqual(problems(loaded, 'error').sort(), [
      'job-not-found@zuul.yaml:3',
      'job-not-found@zuul.yaml:16',
      'nodeset-not-found@zuul.yaml:12',
      'project-not-found@zuul.yaml:18',
      'project-not-found@zuul.yaml:8',
      'project-template-not-found@zuul.yaml:14',
    ].sort());
    const parentErr = loaded.layout.errors.all.find((e) => e.code === 'job-not-found' && e.attr === 'parent');
    assert.match(parentErr!.message, /Job nope not defined/);
  });

  it('reports a project missing from the git root at its tenant file line', async () => {
    const tenant = simpleTenant(['org/a', 'org/missing']);
    const loaded = await loadMemory(tenant, { 'org/config': repo({ 'zuul.yaml': BASE_CONFIG }), 'org/a': repo({}) });
    const e = loaded.layout.errors.errors.find((x) => x.code === 'project-not-found');
    assert.equal(e?.location?.path, 'main.yaml');
    assert.equal(e?.location?.line, 9);
  });

  it('forbids pipelines in untrusted projects and base jobs outside config projects', async () => {
    const loaded = await loadMemory(simpleTenant(['org/a']), {
      'org/config': repo({ 'zuul.yaml': BASE_CONFIG }),
      'org/a': repo({ 'zuul.yaml': '- pipeline: {name: p, manager: independent, trigger: {}}\n- job: {name: mybase, parent: null}\n' }),
    });
    assert.deepEqual(problems(loaded, 'error'), ['pipeline-not-permitted@zuul.yaml:1', 'invalid@zuul.yaml:2']);
    assert.ok(!loaded.layout.pipelines.has('p'));
  });

  it('applies tenant include/exclude and shadow', async () => {
    const tenant = tenantFromYaml(`
- tenant:
    name: t
    source:
      local:
        config-projects:
          - org/config
        untrusted-projects:
          - org/jobs:
              shadow: org/config
          - org/only-jobs:
              include: [job]
          - include: []
            projects: [org/none]
          - org/dup
`);
    const loaded = await loadMemory(tenant, {
      'org/config': repo({ 'zuul.yaml': BASE_CONFIG + '- job: {name: shared, run: config-version}\n' }),
      'org/jobs': repo({ 'zuul.yaml': '- job: {name: shared, run: jobs-version}\n' }),
      'org/only-jobs': repo({ 'zuul.yaml': '- job: {name: oj, run: x}\n- project: {check: {jobs: [oj]}}\n' }),
      'org/none': repo({ 'zuul.yaml': '- job: {name: never, run: x}\n' }),
      'org/dup': repo({ 'zuul.yaml': '- job: {name: shared, run: dup}\n' }),
    });
    const { layout } = loaded;
    assert.equal(layout.getJobs('shared').length, 1);
    assert.equal(layout.getJobs('shared')[0].run![0].command, 'config-version');
    assert.ok(layout.jobs.has('oj'));
    assert.equal(layout.projectConfigs.size, 0, 'the project stanza of org/only-jobs is excluded');
    assert.ok(!layout.jobs.has('never'));
    assert.deepEqual(problems(loaded, 'error'), ['job-shadow@zuul.yaml:1']);
  });

  it('gives jobs of a branched untrusted project implied branch matchers', async () => {
    const loaded = await loadMemory(simpleTenant(['org/a', 'org/single']), {
      'org/config': repo({ 'zuul.yaml': BASE_CONFIG }),
      'org/a': repo({ 'zuul.yaml': '- job: {name: j, run: m}\n' }, {
        'stable/1': {
          'zuul.d/a.yaml': '- job: {name: j, run: s}\n',
          // A pragma acts on its whole file, whatever its position.
          'zuul.d/b.yaml': '- job: {name: k, run: s}\n- pragma: {implied-branch-matchers: false}\n',
        },
      }),
      'org/single': repo({ 'zuul.yaml': '- job: {name: s, run: m}\n' }),
    });
    const js = loaded.layout.getJobs('j');
    assert.deepEqual(js.map((j) => j.branches?.map((b) => b.pattern)), [['master'], ['stable/1']]);
    assert.ok(js[0].branches![0].implied);
    assert.equal(loaded.layout.getJobs('k')[0].branches, undefined, 'pragma turns implied matchers off');
    assert.equal(loaded.layout.getJobs('s')[0].branches, undefined, 'single-branch projects get none');
  });

  it('parses pipelines fully', async () => {
    const loaded = await loadMemory(simpleTenant(), {
      'org/config': repo({
        'zuul.yaml': BASE_CONFIG + `
- pipeline:
    name: full
    manager: dependent
    precedence: high
    supercedes: check
    dequeue-on-new-patchset: false
    post-review: true
    allow-other-connections: false
    window: 10
    window-floor: 2
    window-ceiling: 30
    window-increase-type: exponential
    window-increase-factor: 3
    window-decrease-type: linear
    window-decrease-factor: 4
    require:
      local:
        open: true
        current-patchset: true
        approval:
          - Verified: [1, 2]
            username: ^zuul$
    reject:
      local:
        approval:
          - Code-Review: -2
    trigger:
      local:
        - event: comment-added
          comment: (?i)^\\s*recheck\\s*$
        - event: [change-abandoned, change-restored]
          branch: ^master$
        - event: ref-updated
          ref: ^refs/tags/.*$
      timer:
        - time: '0 2 * * *'
    start:
      local:
        Verified: 0
    success:
      local:
        Verified: 2
        submit: true
    failure:
      local:
        Verified: -2
        comment: false
`,
      }),
    });
    assert.deepEqual(problems(loaded, 'error'), []);
    const p = loaded.layout.pipelines.get('full')!;
    assert.equal(p.manager, 'dependent');
    assert.equal(p.precedence, 'high');
    assert.deepEqual(p.supercedes, ['check']);
    assert.equal(p.dequeueOnNewPatchset, false);
    assert.equal(p.allowOtherConnections, false);
    assert.deepEqual([p.window, p.windowFloor, p.windowCeiling, p.windowIncreaseType, p.windowIncreaseFactor, p.windowDecreaseType, p.windowDecreaseFactor],
      [10, 2, 30, 'exponential', 3, 'linear', 4]);
    assert.equal(p.require[0].open, true);
    assert.deepEqual(p.require[0].approvals[0].labels, { Verified: [1, 2] });
    assert.ok(p.require[0].approvals[0].username!.match('zuul'));
    assert.deepEqual(p.reject[0].approvals[0].labels, { 'Code-Review': [-2] });
    const [comment, abandon, ref, timer] = p.triggers;
    assert.equal(comment.kind, 'change');
    const c = comment as ChangeEventFilter;
    assert.ok(c.events[0].fullmatch('comment-added'));
    assert.ok(c.comments[0].search('RECHECK'));
    assert.equal((abandon as ChangeEventFilter).events.length, 2);
    assert.ok((ref as ChangeEventFilter).refs[0].match('refs/tags/1.0'));
    assert.equal(timer.kind, 'timer');
    assert.deepEqual(p.reporters.success[0].labels, { Verified: 2 });
    assert.equal(p.reporters.success[0].submit, true);
    assert.equal(p.reporters.failure[0].comment, false);
    assert.equal(p.reporters['merge-conflict'], p.reporters.failure, 'merge-conflict falls back to failure');
    assert.deepEqual(p.reporters.start[0].labels, { Verified: 0 });
    assert.deepEqual(p.connections, ['local', 'timer']);
    const check = loaded.layout.pipelines.get('check')!;
    assert.deepEqual([check.window, check.windowFloor, check.windowCeiling, check.precedence, check.dequeueOnNewPatchset], [20, 3, null, 'normal', true]);
  });

  it('reports bad pipelines: unknown manager, bad window, unknown and unsupported connections, bad cron', async () => {
    const text = BASE_CONFIG + `
- pipeline: {name: p1, manager: sometimes, trigger: {}}
- pipeline: {name: p2, manager: dependent, trigger: {}, window-floor: 5, window-ceiling: 2}
- pipeline: {name: p3, manager: independent, trigger: {nosuch: []}}
- pipeline:
    name: p4
    manager: independent
    trigger:
      gerrit:
        - event: patchset-created
- pipeline:
    name: p5
    manager: independent
    trigger:
      timer:
        - time: '61 * * * *'
- pipeline:
    name: p6
    manager: independent
    trigger:
      local:
        - event: patchset-uploaded
`;
    const loaded = await loadMemory(simpleTenant(), { 'org/config': repo({ 'zuul.yaml': text }) });
    assert.deepEqual(problems(loaded), [
      `schema@zuul.yaml:${lineOf(text, 'name: p1')}`,
      `invalid@zuul.yaml:${lineOf(text, 'name: p2')}`,
      `unknown-connection@zuul.yaml:${lineOf(text, 'name: p3')}`,
      `unsupported-connection@zuul.yaml:${lineOf(text, 'gerrit:')}`,
      `schema@zuul.yaml:${lineOf(text, "time: '61")}`,
      `schema@zuul.yaml:${lineOf(text, 'patchset-uploaded')}`,
    ]);
    assert.ok(loaded.layout.pipelines.has('p4'), 'a pipeline of an unsupported connection still loads');
    assert.match(loaded.layout.errors.all[0].message, /expected one of "independent", "dependent", "serial", "supercedent", got "sometimes"/);
  });

  it('keeps !encrypted/pkcs1-oaep secrets opaque', async () => {
    const loaded = await loadMemory(simpleTenant(), {
      'org/config': repo({ 'zuul.yaml': BASE_CONFIG + '- secret:\n    name: s\n    data:\n      k: !encrypted/pkcs1-oaep\n        - AAA\n          BBB\n      plain: x\n' }),
    });
    const s = loaded.layout.secrets.get('s')!;
    assert.deepEqual(JSON.parse(JSON.stringify(s.data)), { k: { '!encrypted/pkcs1-oaep': ['AAABBB'] }, plain: 'x' });
  });

  it('expands regex project stanzas to matching projects and reuses a parse cache', async () => {
    const repos = {
      'org/config': repo({ 'zuul.yaml': BASE_CONFIG + '- project:\n    name: ^org/(a|b)$\n    queue: shared\n    check: {jobs: [base]}\n' }),
      'org/a': repo({}),
      'org/b': repo({}),
    };
    const cache = new ParseCache();
    const loaded = await loadMemory(simpleTenant(['org/a', 'org/b']), repos, { cache });
    assert.deepEqual([...loaded.layout.projectConfigs.keys()].sort(), ['localhost/org/a', 'localhost/org/b']);
    assert.deepEqual(loaded.layout.getProjectQueue('org/b'), { name: 'shared', queue: undefined });
    await loadMemory(simpleTenant(['org/a', 'org/b']), repos, { cache });
    assert.equal(cache.hits, 1);
    assert.equal(cache.misses, 1);
  });

  it('checks implied branch matchers of project stanzas', () => {
    const m = BranchMatcher.implied('stable/1.0');
    assert.ok(m.matches({ project: 'x', branch: 'stable/1.0' }));
    assert.ok(!m.matches({ project: 'x', branch: 'stable/1x0' }));
  });
});
