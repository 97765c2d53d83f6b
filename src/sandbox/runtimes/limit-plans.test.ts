import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSpec } from '../model/spec.js';
import type { CgroupSupport } from '../limits/cgroups.js';
import { GvisorRuntime } from './gvisor/gvisor-runtime.js';
import { NamespacesRuntime } from './namespaces/namespaces-runtime.js';
import { ProcessRuntime } from './process/process-runtime.js';
import { RuncRuntime } from './runc/runc-runtime.js';
import { VmRuntime } from './vm/vm-runtime.js';

const V1: CgroupSupport = {
  memory: { version: 1, mount: '/sys/fs/cgroup/memory', own: '/' },
  cpu: { version: 1, mount: '/sys/fs/cgroup/cpu', own: '/' },
  notes: [],
};
const NONE: CgroupSupport = { notes: ['memory: cgroup2 at /sys/fs/cgroup/unified offers no memory controller', 'cpu: no cgroup hierarchy with the cpu controller is mounted'] };
const runtimes = [new ProcessRuntime(), new NamespacesRuntime(), new RuncRuntime(), new GvisorRuntime(), new VmRuntime()];

test('every limit is enforced by a named mechanism where the host has one', () => {
  const spec = validateSpec({ memory: '64Mi', cpus: 2, timeout: '30s' });
  for (const rt of runtimes) {
    const plan = rt.planLimits(spec, V1);
    for (const limit of ['memory', 'cpus', 'timeout'] as const) {
      const l = plan.report.find((x) => x.limit === limit)!;
      assert.ok(l && l.enforced && l.mechanism, `${rt.name} ${limit}`);
    }
  }
  assert.match(new RuncRuntime().planLimits(spec, V1).report[0].mechanism, /^runc: cgroup v1 memory.limit_in_bytes/);
  assert.match(new VmRuntime().planLimits(spec, V1).report[0].mechanism, /VM size 160Mi \+ guest cgroup v2/);
});

test('a limit without a mechanism is an error that says what is missing, never silently dropped', () => {
  const spec = validateSpec({ memory: '64Mi' });
  for (const rt of runtimes.filter((r) => r.name !== 'vm'))
    assert.throws(() => rt.planLimits(spec, NONE), (err: Error & { code?: string }) => err.code === 'limit_unenforceable' && /offers no memory controller/.test(err.message), rt.name);
  // a VM enforces memory by its size, cgroups or not; a fractional CPU needs the host's cpu controller
  assert.ok(new VmRuntime().planLimits(spec, NONE).report[0].enforced);
  assert.throws(() => new VmRuntime().planLimits(validateSpec({ cpus: 0.5 }), NONE), /whole vCPUs/);
});

test('network off is enforced by every isolating runtime; the process runtime warns', () => {
  const spec = validateSpec({});
  for (const rt of runtimes) {
    const net = rt.planLimits(spec, V1).report.find((l) => l.limit === 'network')!;
    if (rt.name === 'process') assert.ok(!net.enforced && net.warning);
    else assert.ok(net.enforced, rt.name);
  }
  assert.equal(new RuncRuntime().planLimits(validateSpec({ network: true }), V1).netns, 'connected');
});

test('the process runtime refuses images and remapped mounts', () => {
  assert.throws(() => new ProcessRuntime().planLimits(validateSpec({ image: '/srv/root' }), V1), /image cannot be used/);
  assert.throws(() => new ProcessRuntime().planLimits(validateSpec({ mounts: [{ source: '/srv/ws', target: '/workspace' }] }), V1), /target must equal the source/);
});
