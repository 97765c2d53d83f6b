// The executor running playbooks with Debian's ansible-playbook on nodes of
// the `process` runtime (host process groups reached through the node
// bridge): phases and their results as Zuul reports them, Zuul's variables,
// roles from another project, job-output.json, and the untrusted
// restrictions. Sandboxed nodes are covered by test/e2e/gate-ansible.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../core/index.js';
import { requireCommand } from '../../../test/helpers/strata.js';
import { TestRepos } from '../../../test/helpers/gate/repos.js';
import { makeJob } from '../scheduler/simulation.js';
import { git, RepoCache, type Commits } from '../merger/index.js';
import { Executor, type BuildOutcome } from './executor.js';
import { ProcessRuntime } from './process-runtime.js';
import type { AnsibleJob, FrozenJob, PlaybookStep } from '../model.js';

requireCommand('ansible-playbook', 'ansible-core');

const cleanup: Array<() => void> = [];
after(() => cleanup.forEach((f) => f()));

function tmp(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const CONFIG_FILES: Record<string, string> = {
  'playbooks/pre.yaml': `
- hosts: all
  tasks:
    - name: write a log on the node
      shell: echo "pre on {{ inventory_hostname }} label={{ nodepool.label }}" > pre.log
`,
  'playbooks/post.yaml': `
- hosts: all
  tasks:
    - name: collect the node's log
      fetch:
        src: pre.log
        dest: "{{ zuul.executor.log_root }}/{{ inventory_hostname }}/"
        flat: true
`,
  'playbooks/fail.yaml': `
- hosts: all
  tasks:
    - command: /bin/false
`,
  'playbooks/local.yaml': `
- hosts: localhost
  tasks:
    - command: id
`,
};

const A_FILES: Record<string, string> = {
  'README': 'a\n',
  'playbooks/run.yaml': `
- hosts: all
  roles:
    - greet
  tasks:
    - name: show what Zuul tells a job
      debug:
        msg: "project={{ zuul.project.name }} src={{ zuul.project.src_dir }} change={{ zuul.change }} items={{ zuul['items'] | map(attribute='change') | join(',') }} var={{ colour }} extra={{ size }} host={{ hv }} attempt={{ zuul.attempts }}"
    # A process node's user is the executor's: its home is $HOME, not ansible_user_dir (sandbox nodes have both).
    - name: the checkout is in the node's home at src_dir
      command: test -f {{ ansible_env.HOME }}/{{ zuul.project.src_dir }}/README
    - name: the role project is checked out too
      stat:
        path: "{{ ansible_env.HOME }}/{{ zuul.projects['localhost/org/roles'].src_dir }}/roles/greet/tasks/main.yaml"
      register: role_file
    - assert: {that: [role_file.stat.exists]}
`,
  'playbooks/slow.yaml': `
- hosts: all
  tasks:
    - command: sleep 30
`,
  'playbooks/local.yaml': `
- hosts: all
  tasks:
    - command: id
      delegate_to: localhost
`,
  'playbooks/steal.yaml': `
- hosts: all
  tasks:
    - copy:
        src: /etc/hostname
        dest: stolen
`,
  'playbooks/drop.yaml': `
- hosts: all
  tasks:
    - shell: echo planted > planted.txt
    - fetch:
        src: planted.txt
        dest: /tmp/strata-planted-by-untrusted.txt
        flat: true
`,
  'playbooks/files/greeting.txt': 'from the repository\n',
  'playbooks/own-files.yaml': `
- hosts: all
  tasks:
    - copy:
        src: greeting.txt
        dest: copied.txt
    - command: grep -q 'from the repository' copied.txt
`,
  'playbooks/plugins/p.yaml': '- hosts: all\n  tasks: []\n',
  'playbooks/plugins/action_plugins/evil.py': '# runs on the executor\n',
};

const ROLE_FILES = {
  'roles/greet/tasks/main.yaml': `
- name: greet
  shell: echo "hello from the greet role of org/roles" > greet.txt
- command: cat greet.txt
  register: greeting
- debug: {var: greeting.stdout}
`,
};

let repos: TestRepos;
let executor: Executor;
let commits: Commits;
const waiters = new Map<string, (o: BuildOutcome) => void>();

before(async () => {
  repos = new TestRepos();
  cleanup.push(() => repos.remove());
  commits = {
    'org/config': { main: await repos.create('org/config', CONFIG_FILES) },
    'org/a': { main: await repos.create('org/a', A_FILES) },
    'org/roles': { main: await repos.create('org/roles', ROLE_FILES) },
  };
  const cache = new RepoCache(repos.root, tmp('strata-ans-cache-'));
  executor = new Executor({
    concurrency: 2, repos: cache, workRoot: tmp('strata-ans-work-'), logRoot: tmp('strata-ans-logs-'),
    runtimes: { process: new ProcessRuntime({ graceMs: 200 }) }, log: silentLogger(),
    listener: { started: () => {}, finished: (id, o) => waiters.get(id)?.(o) },
  });
});

const pb = (project: string, playbook: string, trusted = project === 'org/config'): PlaybookStep => ({ playbook, project, branch: 'main', trusted, secrets: [] });

function ansibleJob(over: Partial<AnsibleJob> = {}): AnsibleJob {
  return {
    nodes: [{ name: ['node1'], label: 'ubuntu-noble', runtime: 'process' }],
    groups: [{ name: 'workers', nodes: ['node1'] }],
    canonicalNames: { 'org/a': 'localhost/org/a', 'org/config': 'localhost/org/config', 'org/roles': 'localhost/org/roles' },
    vars: { colour: 'blue' }, extraVars: { size: 'XL' }, hostVars: { node1: { hv: 'h1' } }, groupVars: {},
    roles: [{ project: 'org/roles', name: 'roles' }], secrets: [], tenant: 't', ...over,
  };
}

function run(id: string, job: Partial<FrozenJob>): Promise<BuildOutcome> {
  const done = new Promise<BuildOutcome>((r) => waiters.set(id, r));
  executor.submit({
    buildId: id, tenant: 't', pipeline: 'check', change: '2,1', changes: ['1,1', '2,1'], commits, priority: 0, buildset: `bs-${id}`,
    items: [{ project: 'org/b', branch: 'main', change: 1, patchset: 1 }, { project: 'org/a', branch: 'main', change: 2, patchset: 1 }],
    job: makeJob(job.name ?? 'job', '2,1', {
      requiredProjects: [{ project: 'org/config', branch: 'main' }, { project: 'org/roles', branch: 'main' }],
      ansible: ansibleJob(), attempts: 1, ...job,
    }),
  });
  return done;
}

const log = (id: string) => readFileSync(executor.logPath(id), 'utf8');

test('pre-run, run (with a role of another project) and post-run playbooks run on the node; Zuul\'s variables; logs collected', async () => {
  const out = await run('ok1', { preRun: [pb('org/config', 'playbooks/pre.yaml')], run: [pb('org/a', 'playbooks/run.yaml')], postRun: [pb('org/config', 'playbooks/post.yaml')] });
  const text = log('ok1');
  assert.equal(out.result, 'SUCCESS', text);
  assert.match(text, /project=org\/a src=src\/localhost\/org\/a change=2 items=1,2 var=blue extra=XL host=h1 attempt=1/);
  assert.match(text, /hello from the greet role of org\/roles/);
  assert.match(text, /\d{4}-\d\d-\d\dT[\d:.]+Z \| TASK \[greet : greet\]/, 'the console is timestamped as Zuul\'s job-output.txt');
  const dir = executor.buildLogDir('ok1');
  assert.equal(readFileSync(path.join(dir, 'logs', 'node1', 'pre.log'), 'utf8'), 'pre on node1 label=ubuntu-noble\n');
  const json = JSON.parse(readFileSync(path.join(dir, 'job-output.json'), 'utf8'));
  assert.deepEqual(json.map((p: any) => [p.phase, p.playbook, p.trusted]), [
    ['pre-run', 'org/config/playbooks/pre.yaml', true], ['run', 'org/a/playbooks/run.yaml', false], ['post-run', 'org/config/playbooks/post.yaml', true],
  ]);
  const runTasks = json[1].plays[0].tasks.map((t: any) => t.task.name);
  assert.ok(runTasks.includes('show what Zuul tells a job'), runTasks.join(', '));
  assert.equal(json[1].stats.node1.failures, 0);
  assert.equal(json[1].plays[0].tasks.find((t: any) => t.task.name === 'show what Zuul tells a job').hosts.node1.action, 'debug');
});

test('a failing post-run gives POST_FAILURE; a failing run FAILURE', async () => {
  assert.equal((await run('pf1', { run: [pb('org/a', 'playbooks/run.yaml')], postRun: [pb('org/config', 'playbooks/fail.yaml')] })).result, 'POST_FAILURE');
  assert.equal((await run('f1', { run: [pb('org/config', 'playbooks/fail.yaml')] })).result, 'FAILURE');
});

test('a failing pre-run is retried up to attempts, then RETRY_LIMIT; post-run still runs each time', async () => {
  const out = await run('r1', { attempts: 2, preRun: [pb('org/config', 'playbooks/fail.yaml')], postRun: [pb('org/config', 'playbooks/pre.yaml')] });
  assert.equal(out.result, 'RETRY_LIMIT');
  const text = log('r1');
  assert.match(text, /attempt 1 of 2[\s\S]*post-run playbook[\s\S]*attempt 2 of 2[\s\S]*post-run playbook/);
});

test('a run playbook past the job timeout is killed → TIMED_OUT', async () => {
  const t0 = Date.now();
  const out = await run('t1', { timeout: 2, run: [pb('org/a', 'playbooks/slow.yaml')] });
  assert.equal(out.result, 'TIMED_OUT');
  assert.ok(Date.now() - t0 < 15_000);
});

test('untrusted playbooks cannot run code on the executor; trusted ones can', async () => {
  const untrusted = await run('u1', { run: [pb('org/a', 'playbooks/local.yaml')] });
  assert.equal(untrusted.result, 'FAILURE');
  assert.match(log('u1'), /Executing local code is prohibited/);
  const trusted = await run('u2', { run: [pb('org/config', 'playbooks/local.yaml')] });
  assert.equal(trusted.result, 'SUCCESS', log('u2'));
  const steal = await run('u4', { run: [pb('org/a', 'playbooks/steal.yaml')] });
  assert.equal(steal.result, 'FAILURE');
  assert.match(log('u4'), /Accessing files from outside the working dir .* is prohibited/);
  const drop = await run('u6', { run: [pb('org/a', 'playbooks/drop.yaml')] });
  assert.equal(drop.result, 'FAILURE');
  assert.match(log('u6'), /Writing files outside the working dir .* is prohibited/);
  assert.equal(existsSync('/tmp/strata-planted-by-untrusted.txt'), false);
  const own = await run('u5', { run: [pb('org/a', 'playbooks/own-files.yaml')] });
  assert.equal(own.result, 'SUCCESS', log('u5'));
  const plugins = await run('u3', { run: [pb('org/a', 'playbooks/plugins/p.yaml')] });
  assert.equal(plugins.result, 'ERROR');
  assert.match(log('u3'), /action_plugins found adjacent to playbook playbooks\/plugins\/p.yaml in untrusted project org\/a/);
});

test('a missing playbook is an ERROR naming it; nothing is left in the work root', async () => {
  const out = await run('m1', { run: [pb('org/a', 'playbooks/nope.yaml')] });
  assert.equal(out.result, 'ERROR');
  assert.match(out.message ?? '', /playbook playbooks\/nope.yaml not found in org\/a/);
  assert.equal(existsSync(path.join(executor.buildLogDir('m1'), 'job-output.txt')), true);
});

test('a trusted playbook runs from its branch tip, never from the item\'s speculative change to it; an untrusted one from the change', async () => {
  const spec = await repos.commit('org/config', { 'playbooks/pre.yaml': '- hosts: all\n  tasks:\n    - debug: {msg: "speculative trusted edit"}\n' }, 'edit a trusted playbook');
  const specA = await repos.commit('org/a', { 'playbooks/local.yaml': '- hosts: all\n  tasks:\n    - debug: {msg: "speculative untrusted edit"}\n' }, 'edit an untrusted playbook');
  for (const [p, sha] of [['org/config', spec], ['org/a', specA]] as const) await git(['-C', repos.dir(p), 'update-ref', 'refs/heads/side', sha]);
  await executor['opts'].repos.update('org/config');
  await executor['opts'].repos.update('org/a');
  const saved = commits;
  commits = { ...saved, 'org/config': { main: spec }, 'org/a': { main: specA } };
  try {
    const out = await run('tr1', { preRun: [pb('org/config', 'playbooks/pre.yaml')], run: [pb('org/a', 'playbooks/local.yaml')] });
    const text = log('tr1');
    assert.equal(out.result, 'SUCCESS', text);
    assert.doesNotMatch(text, /speculative trusted edit/);
    assert.match(text, /write a log on the node/, 'the tip\'s version of the trusted playbook ran');
    assert.match(text, /speculative untrusted edit/);
    assert.match(text, /trusted playbooks of org\/config run from the branch tip/);
  } finally {
    commits = saved;
  }
});
