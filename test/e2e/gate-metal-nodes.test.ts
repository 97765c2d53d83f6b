// Nodes from Strata itself: a nodeset label naming a metal pool gets a
// fake-hardware machine of that pool deployed (Ironic's provision states,
// through the metal conductor) for the build, its playbook runs in a sandbox
// on it, and the machine is undeployed and cleaned back to available after.
// With the label's quota at 1, a second build waits for the first's node.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { api, requireCommand, until as poll } from '../helpers/strata.js';
import { GateFixture, PIPELINES, projectConfig } from '../helpers/gate/fixture.js';

requireCommand('ansible-playbook', 'ansible-core');
requireCommand('bwrap', 'bubblewrap');

const JOBS = `
- nodeset:
    name: machine
    nodes:
      - name: server
        label: metal-small
- job:
    name: base
    parent: null
    timeout: 300
    attempts: 1
    nodeset: machine
- job:
    name: on-metal
    run: playbooks/on-metal.yaml
`;
const PLAYBOOK = `
- hosts: all
  gather_facts: false
  tasks:
    - name: where am I
      debug:
        msg: "on {{ nodepool.provider }} machine {{ nodepool.external_id }} ({{ nodepool.host_id }}) label {{ nodepool.label }}"
    - command: sleep 2
`;

let f: GateFixture;
let machine: string;

async function ironic(method: string, p: string, body?: unknown): Promise<any> {
  const r = await api(f.server, `/baremetal/v1${p}`, {
    method, headers: { 'x-openstack-ironic-api-version': '1.78', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const until = <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000) => poll(what, fn, timeoutMs);

before(async () => {
  const labels = path.join(process.env.TMPDIR ?? '/tmp', `strata-labels-${process.pid}.yaml`);
  writeFileSync(labels, '- name: metal-small\n  metal-pool: small\n  runtime: default\n  quota: 1\n');
  f = await GateFixture.start({
    config: { 'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': JOBS, 'playbooks/on-metal.yaml': PLAYBOOK },
    projects: { 'org/a': { README: 'a\n', '.zuul.yaml': projectConfig({ gate: ['on-metal'] }) } },
    serverArgs: ['--gate-labels', labels],
  });
  const node = await ironic('POST', '/nodes', { driver: 'fake-hardware', name: 'rack1-small-1', resource_class: 'small' });
  machine = node.uuid;
  await ironic('PUT', `/nodes/${machine}/states/provision`, { target: 'manage' });
  await until('manageable', async () => ((await ironic('GET', `/nodes/${machine}`)).provision_state === 'manageable' ? true : undefined));
  await ironic('PUT', `/nodes/${machine}/states/provision`, { target: 'provide' });
  await until('available', async () => ((await ironic('GET', `/nodes/${machine}`)).provision_state === 'available' ? true : undefined));
});
after(async () => {
  await f?.stop();
});

test('a metal label: the machine is deployed for the build, the job runs on it, it is cleaned after; quota 1 makes the second build wait', async () => {
  const a = await f.change('org/a', { x: 'x\n' }, 'First');
  const b = await f.change('org/a', { y: 'y\n' }, 'Second');
  await f.approve(a.number);
  await f.approve(b.number);
  // While a build runs, the machine is deployed and claimed.
  const running = await f.waitRunning(a.number, 'gate', 120_000);
  const during = await until('the machine deployed', async () => {
    const n = await ironic('GET', `/nodes/${machine}`);
    return n.provision_state === 'active' ? n : undefined;
  });
  assert.ok(during.instance_uuid, 'claimed by the gate');
  const nodes = await until('the node in use', async () => {
    const n = await (await api(f.server, '/api/tenant/example/nodes')).json() as any;
    return n.nodes.some((x: any) => x.external_id === machine && x.state === 'in-use' && x.provider === 'strata-metal') ? n : undefined;
  });
  assert.ok(nodes.requests.some((r: any) => r.state === 'requested'), 'the second build waits for the quota');
  await f.wait(600);
  const builds = (await f.builds(['--pipeline', 'gate'])).filter((x: any) => x.job === 'on-metal');
  assert.deepEqual(builds.map((x: any) => x.result), ['SUCCESS', 'SUCCESS']);
  const first = builds.find((x: any) => x.uuid === running.uuid);
  const second = builds.find((x: any) => x.uuid !== running.uuid);
  const log = await (await api(f.server, `/gate/api/builds/${first.uuid}/log`)).text();
  assert.match(log, new RegExp(`on strata-metal machine ${machine} \\(rack1-small-1\\) label metal-small`));
  const firstTask = (text: string) => Date.parse(/^(\S+) \| TASK \[where am I\]/m.exec(text)![1]!);
  const firstEnd = Date.parse(/^(\S+) \| Result: /m.exec(log)![1]!);
  const secondLog = await (await api(f.server, `/gate/api/builds/${second.uuid}/log`)).text();
  assert.ok(firstTask(secondLog) > firstEnd, 'the second build ran on the machine only after the first released it');
  // Both released: the machine is cleaned and available again, unclaimed.
  const afterwards = await until('cleaned', async () => {
    const n = await ironic('GET', `/nodes/${machine}`);
    return n.provision_state === 'available' && !n.instance_uuid ? n : undefined;
  });
  assert.equal(afterwards.provision_state, 'available');
  assert.deepEqual((await f.show(a.number)).status, 'MERGED');
  assert.deepEqual((await f.show(b.number)).status, 'MERGED');
});
