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
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, requireCommand } from '../helpers/strata.js';
import { GateFixture, PIPELINES } from '../helpers/gate/fixture.js';

requireCommand('ansible-playbook', 'ansible-core');
requireCommand('bwrap', 'bubblewrap');
requireCommand('runc', 'runc');
requireCommand('openssl', 'openssl');

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
    - name: a secret passed to the parent reaches its post-run
      debug:
        msg: "parent sees sha256 {{ creds.password | hash('sha256') }}"
      when: creds is defined
`;

// Added by a change of the config project once the server made its key (as a user does with zuul-client encrypt).
const DEPLOY_JOB = (ciphertext: string) => `
- secret:
    name: site_creds
    data:
      user: deployer
      password: !encrypted/pkcs1-oaep
        - ${ciphertext}
- job:
    name: deploy
    parent: base
    roles:
      - zuul: org/roles
    secrets:
      - name: creds
        secret: site_creds
        pass-to-parent: true
    run: playbooks/deploy.yaml
- project:
    name: org/a
    gate:
      jobs: [deploy]
`;

const DEPLOY = `
- hosts: ns
  roles:
    - greet
  tasks:
    - name: use the secret on the node
      copy:
        content: "{{ creds.password }}"
        dest: "{{ ansible_user_dir }}/password.txt"
    - command: sha256sum password.txt
      register: sum
    - debug:
        msg: "node has sha256 {{ sum.stdout.split()[0] }} user {{ creds.user }}"
    - name: printing it is redacted
      debug:
        var: creds.password
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
      'playbooks/base/pre.yaml': BASE_PRE, 'playbooks/base/post.yaml': BASE_POST, 'playbooks/deploy.yaml': DEPLOY,
      'zuul.d/projects.yaml': '- project:\n    name: org/config\n    gate:\n      jobs: [noop]\n',
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

const PASSWORD = 'hunter2-correct-horse-battery-staple';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Encrypts as `zuul-client encrypt` does, with openssl: RSA-OAEP (SHA-1) under the project's public key. */
function encrypt(publicPem: string, plain: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-enc-'));
  try {
    writeFileSync(path.join(dir, 'key.pub'), publicPem);
    writeFileSync(path.join(dir, 'plain'), plain);
    const r = spawnSync('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', path.join(dir, 'key.pub'), '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha1', '-in', path.join(dir, 'plain')]);
    assert.equal(r.status, 0, r.stderr?.toString());
    return r.stdout.toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function log(uuid: string): Promise<string> {
  const r = await api(f.server, `/gate/api/builds/${uuid}/log`);
  assert.equal(r.status, 200);
  return r.text();
}

test('the config project\'s public key is served at Zuul\'s path; a secret encrypted with openssl is added by a gated change', async () => {
  const r = await api(f.server, '/api/tenant/example/key/org/config.pub');
  assert.equal(r.status, 200);
  const pem = await r.text();
  assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/);
  assert.equal(createPublicKey(pem).asymmetricKeyDetails?.modulusLength, 4096);
  assert.equal(await (await api(f.server, '/api/tenant/example/key/org/config.pub')).text(), pem, 'the key pair is kept');
  assert.equal((await api(f.server, '/api/tenant/example/key/org/nope.pub')).status, 404);
  const c = await f.change('org/config', { 'zuul.d/deploy.yaml': DEPLOY_JOB(encrypt(pem, PASSWORD)) }, 'Add the deploy job and its secret');
  await f.approve(c.number);
  await f.wait(300);
  assert.equal((await f.show(c.number)).status, 'MERGED');
});

test('three changes gated with Ansible on sandbox nodes: a role of another project, a speculative playbook edit, a refused local action', async () => {
  const a = await f.change('org/a', { 'a.txt': 'a\n' }, 'Add a');
  const b = await f.change('org/a', { 'playbooks/hello.yaml': HELLO('edited by change B') }, 'Edit the playbook');
  const c = await f.change('org/a', {
    'playbooks/hello.yaml': HELLO('edited by change B') + '    - name: run on the executor\n      command: id\n      delegate_to: localhost\n',
  }, 'Run code on the executor', { parent: b.commit });
  for (const n of [a.number, b.number, c.number]) await f.approve(n);
  await f.wait(600);

  const byChange = async (n: number) => (await f.builds(['--change', String(n), '--pipeline', 'gate'])).filter((b: any) => b.job === 'hello').at(-1);
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

  // The secret reached the trusted deploy playbook (and, passed to the parent, base's post-run)...
  const deploy = (await f.builds(['--change', String(a.number), '--pipeline', 'gate'])).find((b: any) => b.job === 'deploy');
  const ld = await log(deploy.uuid);
  assert.equal(deploy.result, 'SUCCESS', ld);
  assert.match(ld, new RegExp(`node has sha256 ${sha256(PASSWORD)} user deployer`));
  assert.match(ld, new RegExp(`parent sees sha256 ${sha256(PASSWORD)}`));
  assert.match(ld, /"creds.password": "<redacted>"/);
  // ...and is in no log, no job-output.json, no API answer.
  const dlogs = path.join(f.server.dataDir, 'gate', 'logs', deploy.uuid);
  assert.ok(!ld.includes(PASSWORD));
  assert.ok(!readFileSync(path.join(dlogs, 'job-output.json'), 'utf8').includes(PASSWORD));
  assert.ok(!readFileSync(path.join(dlogs, 'job-output.json'), 'utf8').includes('hunter2'));
  for (const p of ['/gate/api/builds', '/gate/api/status', `/gate/api/builds/${deploy.uuid}`, '/api/tenants']) {
    assert.ok(!(await (await api(f.server, p)).text()).includes(PASSWORD), p);
  }
});

test('POST_FAILURE, RETRY_LIMIT after attempts, TIMED_OUT; an autohold keeps the failed build\'s nodes until deleted', async () => {
  const hold = await f.json(['gate', 'autohold', '--project', 'org/a', '--job', 'post-broken', '--reason', 'look at the node']);
  const d = await f.change('org/a', { 'failures/x': 'x\n' }, 'Failures');
  await f.wait(600);
  const [req] = await f.json(['gate', 'autohold-list']);
  assert.equal(req.id, hold.id);
  assert.equal(req.current_count, 1);
  const held = req.nodes[0].nodes.map((n: any) => n.id);
  assert.equal(held.length, 2, 'both nodes of the nodeset are held');
  const alive = async () => {
    const r = await (await api(f.server, '/sandbox/api/v1/sandboxes')).json() as any;
    const list: any[] = Array.isArray(r) ? r : r.sandboxes ?? r.items ?? [];
    return held.filter((id: string) => list.some((s) => s.id === id && s.state !== 'destroyed'));
  };
  assert.deepEqual(await alive(), held, 'the held sandboxes are still there after the build');
  const other = await f.builds(['--change', String(d.number), '--pipeline', 'check']);
  assert.match(await log(other.find((b: any) => b.job === 'post-broken').uuid), /nodes held by an autohold request/);
  await f.cli(['gate', 'autohold-delete', hold.id]);
  assert.deepEqual(await alive(), [], 'deleting the request releases them');

  const builds = await f.builds(['--change', String(d.number), '--pipeline', 'check']);
  const result = Object.fromEntries(builds.map((b: any) => [b.job, b.result]));
  assert.deepEqual(result, { 'post-broken': 'POST_FAILURE', 'pre-broken': 'RETRY_LIMIT', 'too-slow': 'TIMED_OUT' });
  const pre = await log(builds.find((b: any) => b.job === 'pre-broken').uuid);
  assert.match(pre, /attempt 1 of 2[\s\S]*attempt 2 of 2/);
});
