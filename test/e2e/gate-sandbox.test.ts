// Jobs in sandboxes: a job whose nodeset label is `vm` runs in a QEMU VM
// sandbox holding its workspace (it sees the guest's kernel, not the
// host's), and an untrusted project's job runs isolated even when it names
// no label; both report as usual and the change merges.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import path from 'node:path';
import { api } from '../helpers/strata.js';
import { GateFixture, PIPELINES, projectConfig } from '../helpers/gate/fixture.js';

const hostDir = mkdtempSync(path.join(tmpdir(), 'strata-gate-host-'));
const marker = path.join(hostDir, 'host-only');
writeFileSync(marker, 'only the host has this\n');

const JOBS = `
- job:
    name: base
    parent: null
    timeout: 300
    attempts: 1
    run: "true"
- nodeset:
    name: guest
    nodes:
      - name: node
        label: vm
- job:
    name: guest-kernel
    nodeset: guest
    run: 'echo "release=$(uname -r)"; test "$(uname -r)" != "${release()}"; test -f README; echo "ran in $PWD"'
- job:
    name: host-probe
    run: 'test -f ${marker}'
`;

// Defined in the untrusted project itself: its code must not run on the host.
const UNTRUSTED = `
- job:
    name: untrusted-probe
    run: 'test ! -e ${marker} && test -f README && echo isolated'
`;

let f: GateFixture;
before(async () => {
  f = await GateFixture.start({
    config: { 'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': JOBS },
    projects: { 'org/a': { README: 'a\n', '.zuul.yaml': UNTRUSTED + projectConfig({ gate: ['guest-kernel', 'host-probe', 'untrusted-probe'] }) } },
  });
});
after(async () => {
  await f?.stop();
  rmSync(hostDir, { recursive: true, force: true });
});

test('a vm-labelled job runs in a VM, an untrusted job in a sandbox, a trusted one on the host; the change merges', async () => {
  const c = await f.change('org/a', { 'src/x.c': 'x\n' }, 'Add x');
  await f.approve(c.number);
  await f.wait(600);
  const builds = await f.builds(['--change', String(c.number)]);
  const byJob = Object.fromEntries(builds.map((b: any) => [b.job, b]));
  assert.deepEqual(
    Object.fromEntries(Object.entries(byJob).map(([j, b]: [string, any]) => [j, b.result])),
    { 'guest-kernel': 'SUCCESS', 'host-probe': 'SUCCESS', 'untrusted-probe': 'SUCCESS' },
  );
  const log = await (await api(f.server, `/gate/api/builds/${byJob['guest-kernel'].uuid}/log`)).text();
  const kernel = /release=(\d\S*)/.exec(log)?.[1];
  assert.ok(kernel, `the job printed its kernel: ${log}`);
  assert.notEqual(kernel, release(), 'the job saw the guest kernel, not the host one');
  assert.match(kernel!, /-amd64$/, 'the guest runs Debian\'s kernel');
  assert.match(log, /runtime vm/);
  const untrusted = await (await api(f.server, `/gate/api/builds/${byJob['untrusted-probe'].uuid}/log`)).text();
  assert.match(untrusted, /runtime default/);
  assert.match(untrusted, /isolated/);
  const shown = await f.show(c.number);
  assert.equal(shown.status, 'MERGED');
});
