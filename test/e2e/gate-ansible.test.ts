// Real Zuul jobs through the whole gate, with real git and Debian's
// ansible-playbook: a config project's base job (trusted pre-run writing a
// log on each node, post-run collecting it), a child job in an untrusted
// project whose run playbook uses a role of another project, on a nodeset of
// two sandbox nodes (a `default` namespaces sandbox and a `container` runc
// one). Three changes gated: one passes, one edits the playbook and is
// tested with its edit, one tries a local action on the executor and is
// refused. A check-only change shows POST_FAILURE, RETRY_LIMIT and TIMED_OUT.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, requireCommand } from '../helpers/strata.js';
import { GateFixture, PIPELINES } from './gate-helpers.js';

requireCommand('ansible-playbook', 'ansible-core');
requireCommand('bwrap', 'bubblewrap');
requireCommand('runc', 'runc');

const JOBS = `
- nodeset:
    name: sandboxes
    nodes:
      - name: ns
        label: default
      - name: oci
        label: container
    groups:
      - name: builders
        nodes: [ns, oci]
- job:
    name: base
    parent: null
    nodeset: sandboxes
    timeout: 180
    attempts: 1
    pre-run: playbooks/base/pre.yaml
    post-run: playbooks/base/post.yaml
`;

const BASE_PRE = `
- hosts: all
  tasks:
    - name: write the node's log
      shell: echo "base pre-run on {{ inventory_hostname }} label {{ nodepool.label }} pid1 $(cat /proc/1/comm) home {{ ansible_user_dir }}" > {{ inventory_hostname }}-pre.txt
`;

const BASE_POST = `
- hosts: all
  tasks:
    - name: collect the node's log
      fetch:
        src: "{{ inventory_hostname }}-pre.txt"
        dest: "{{ zuul.executor.log_root }}/{{ inventory_hostname }}/"
        flat: true
`;

const HELLO = (line: string) => `
- hosts: builders
  roles:
    - greet
  tasks:
    - name: say hello
      debug:
        msg: "${line} project={{ zuul.project.name }} change={{ zuul.change }} items={{ zuul['items'] | map(attribute='change') | join(',') }}"
    - name: the change is checked out in the node's home
      command: test -f {{ ansible_user_dir }}/{{ zuul.project.src_dir }}/README
`;

const A_CONFIG = `
- job:
    name: hello
    roles:
      - zuul: org/roles
    run: playbooks/hello.yaml
- job:
    name: post-broken
    files: ['^failures/']
    run: playbooks/noop.yaml
    post-run: playbooks/fail.yaml
- job:
    name: pre-broken
    files: ['^failures/']
    attempts: 2
    pre-run: playbooks/fail.yaml
    run: playbooks/noop.yaml
- job:
    name: too-slow
    files: ['^failures/']
    timeout: 8
    run: playbooks/slow.yaml
- project:
    check:
      jobs: [post-broken, pre-broken, too-slow]
    gate:
      jobs: [hello]
`;

let f: GateFixture;
before(async () => {
  f = await GateFixture.start({
    config: {
      'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': JOBS,
      'playbooks/base/pre.yaml': BASE_PRE, 'playbooks/base/post.yaml': BASE_POST,
    },
    projects: {
      'org/a': {
        'README': 'a\n', '.zuul.yaml': A_CONFIG, 'playbooks/hello.yaml': HELLO('hello'),
        'playbooks/noop.yaml': '- hosts: all\n  tasks:\n    - command: "true"\n',
        'playbooks/fail.yaml': '- hosts: ns\n  tasks:\n    - command: /bin/false\n',
        'playbooks/slow.yaml': '- hosts: ns\n  tasks:\n    - command: sleep 60\n',
      },
      'org/roles': { 'roles/greet/tasks/main.yaml': '- name: greet\n  debug:\n    msg: "greetings from the role of org/roles on {{ inventory_hostname }}"\n' },
    },
  });
});
after(async () => {
  await f?.stop();
});

async function log(uuid: string): Promise<string> {
  const r = await api(f.server, `/gate/api/builds/${uuid}/log`);
  assert.equal(r.status, 200);
  return r.text();
}

test('three changes gated with Ansible on sandbox nodes: a role of another project, a speculative playbook edit, a refused local action', async () => {
  const a = await f.change('org/a', { 'a.txt': 'a\n' }, 'Add a');
  const b = await f.change('org/a', { 'playbooks/hello.yaml': HELLO('edited by change B') }, 'Edit the playbook');
  const c = await f.change('org/a', {
    'playbooks/hello.yaml': HELLO('edited by change B') + '    - name: run on the executor\n      command: id\n      delegate_to: localhost\n',
  }, 'Run code on the executor', { parent: b.commit });
  for (const n of [a.number, b.number, c.number]) await f.approve(n);
  await f.wait(600);

  const byChange = async (n: number) => (await f.builds(['--change', String(n), '--pipeline', 'gate'])).at(-1);
  const [ba, bb, bc] = [await byChange(a.number), await byChange(b.number), await byChange(c.number)];
  const la = await log(ba.uuid);
  assert.equal(ba.result, 'SUCCESS', la);
  assert.match(la, /greetings from the role of org\/roles on ns/);
  assert.match(la, /greetings from the role of org\/roles on oci/);
  assert.match(la, new RegExp(`hello project=org/a change=${a.number} items=${a.number}"`));
  assert.match(la, /pre-run playbook: org\/config\/playbooks\/base\/pre.yaml \(trusted\)/);

  const lb = await log(bb.uuid);
  assert.equal(bb.result, 'SUCCESS', lb);
  assert.match(lb, new RegExp(`edited by change B project=org/a change=${b.number} items=${a.number},${b.number}"`), 'the change is tested with its own playbook edit, behind a');

  const lc = await log(bc.uuid);
  assert.equal(bc.result, 'FAILURE', lc);
  assert.match(lc, /Executing local code is prohibited/);

  assert.equal((await f.show(a.number)).status, 'MERGED');
  assert.equal((await f.show(b.number)).status, 'MERGED');
  assert.equal((await f.show(c.number)).status, 'NEW');

  // The base job's post-run collected each node's log; each node is its own sandbox (pid 1 is the agent).
  const logs = path.join(f.server.dataDir, 'gate', 'logs', ba.uuid);
  const ns = readFileSync(path.join(logs, 'logs', 'ns', 'ns-pre.txt'), 'utf8');
  assert.match(ns, /^base pre-run on ns label default pid1 \S+ home \/root$/m);
  assert.doesNotMatch(ns, /pid1 (systemd|init|node)\b/);
  assert.match(readFileSync(path.join(logs, 'logs', 'oci', 'oci-pre.txt'), 'utf8'), /^base pre-run on oci label container /);
  const json = JSON.parse(readFileSync(path.join(logs, 'job-output.json'), 'utf8'));
  assert.deepEqual(json.map((p: any) => p.phase), ['pre-run', 'run', 'post-run']);
  assert.deepEqual(Object.keys(json[1].stats).sort(), ['ns', 'oci']);
});

test('POST_FAILURE, RETRY_LIMIT after attempts, TIMED_OUT', async () => {
  const d = await f.change('org/a', { 'failures/x': 'x\n' }, 'Failures');
  await f.wait(600);
  const builds = await f.builds(['--change', String(d.number), '--pipeline', 'check']);
  const result = Object.fromEntries(builds.map((b: any) => [b.job, b.result]));
  assert.deepEqual(result, { 'post-broken': 'POST_FAILURE', 'pre-broken': 'RETRY_LIMIT', 'too-slow': 'TIMED_OUT' });
  const pre = await log(builds.find((b: any) => b.job === 'pre-broken').uuid);
  assert.match(pre, /attempt 1 of 2[\s\S]*attempt 2 of 2/);
});
