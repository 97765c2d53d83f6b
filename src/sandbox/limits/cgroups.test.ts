import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountinfo, parseProcCgroup, planCgroups, wrapInCgroup } from './cgroups.js';

const HYBRID_MOUNTS = `30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
34 30 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 30 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const HYBRID_SELF = `4:memory:/jobs/abc
1:cpu:/
0::/`;

test('hybrid host: memory and cpu from v1, under our own cgroup', () => {
  const s = planCgroups(HYBRID_MOUNTS, HYBRID_SELF, () => []);
  assert.deepEqual(s.memory, { version: 1, mount: '/sys/fs/cgroup/memory', own: '/jobs/abc' });
  assert.deepEqual(s.cpu, { version: 1, mount: '/sys/fs/cgroup/cpu', own: '/' });
});

test('pure v2: controllers only when our group is offered them', () => {
  const mounts = '40 30 0:36 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw';
  const full = planCgroups(mounts, '0::/user.slice', () => ['cpu', 'memory', 'pids']);
  assert.equal(full.memory?.version, 2);
  assert.equal(full.cpu?.own, '/user.slice');
  const none = planCgroups(mounts, '0::/user.slice', () => ['pids']);
  assert.equal(none.memory, undefined);
  assert.match(none.notes.join(';'), /offers no memory controller/);
});

test('parsers', () => {
  assert.equal(parseMountinfo(HYBRID_MOUNTS).length, 4);
  assert.equal(parseProcCgroup(HYBRID_SELF).get('memory'), '/jobs/abc');
  assert.deepEqual(wrapInCgroup([], ['a', 'b']), ['a', 'b']);
  const w = wrapInCgroup(['/x/cgroup.procs'], ['bwrap', '--', 'x']);
  assert.deepEqual(w.slice(0, 2), ['/bin/sh', '-c']);
  assert.deepEqual(w.slice(3), ['strata-cgexec', '/x/cgroup.procs', '--', 'bwrap', '--', 'x']);
});

test("Strata's parent cgroups are found in every hierarchy, under our own cgroup and under the root", async () => {
  const { strataParentCgroups } = await import('./cgroups.js');
  const mountinfo = [
    '30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory',
    '31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct',
    '32 25 0:28 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw',
    '33 25 0:29 / /proc rw - proc proc rw',
  ].join('\n');
  const proc = ['5:memory:/jobs/a', '4:cpu,cpuacct:/', '0::/svc'].join('\n');
  assert.deepEqual(strataParentCgroups(mountinfo, proc).sort(), [
    '/sys/fs/cgroup/cpu,cpuacct/strata-sandbox',
    '/sys/fs/cgroup/memory/jobs/a/strata-sandbox',
    '/sys/fs/cgroup/memory/strata-sandbox',
    '/sys/fs/cgroup/unified/strata-sandbox',
    '/sys/fs/cgroup/unified/svc/strata-sandbox',
  ]);
});
