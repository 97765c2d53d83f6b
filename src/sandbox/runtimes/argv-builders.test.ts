import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bwrapArgs } from './namespaces/bwrap-args.js';
import { ociConfig } from './oci/oci-spec.js';
import { kernelCmdline, qemuArgs } from '../vm/qemu-args.js';

test('bwrap: every namespace, read-only root, private /tmp, no capabilities', () => {
  const a = bwrapArgs({
    root: '/state/root',
    agentBinary: '/cache/agent',
    hostname: 'sb',
    mounts: [
      { source: '/ws', target: '/workspace', readOnly: false },
      { source: '/in', target: '/in', readOnly: true },
    ],
    shareNetwork: false,
  });
  for (const f of ['--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net', '--die-with-parent', '--new-session']) assert.ok(a.includes(f), f);
  const pairs = (flag: string) => a.flatMap((x, i) => (x === flag ? [`${a[i + 1]} ${a[i + 2]}`] : []));
  assert.deepEqual(pairs('--ro-bind'), ['/state/root /', '/in /in', '/cache/agent /.strata/agent']);
  assert.deepEqual(pairs('--bind'), ['/ws /workspace']);
  assert.equal(a[a.indexOf('--tmpfs') + 1], '/tmp');
  assert.equal(a[a.indexOf('--cap-drop') + 1], 'ALL');
  assert.equal(a[a.length - 1], '/.strata/agent');
  assert.ok(!bwrapArgs({ root: '/r', agentBinary: '/a', hostname: 'h', mounts: [], shareNetwork: true }).includes('--unshare-net'));
});

test('OCI config: read-only root, agent as the process, resources and network', () => {
  const c = ociConfig({
    root: '/state/root',
    agentBinary: '/cache/agent',
    agentArgs: ['--lo-up'],
    hostname: 'sb',
    mounts: [{ source: '/ws', target: '/workspace', readOnly: false }],
    agentCapabilities: ['CAP_NET_ADMIN'],
    network: { path: '/run/netns/strata-x' },
    resources: { memoryBytes: 64 << 20, cpus: 0.5 },
    cgroupsPath: 'strata-sandbox/x',
  }) as any;
  assert.deepEqual(c.root, { path: '/state/root', readonly: true });
  assert.deepEqual(c.process.args, ['/.strata/agent', '--lo-up']);
  assert.equal(c.process.noNewPrivileges, true);
  assert.deepEqual(c.process.capabilities.bounding, ['CAP_NET_ADMIN']);
  assert.deepEqual(c.linux.resources, { memory: { limit: 64 << 20, swap: 64 << 20 }, cpu: { quota: 50_000, period: 100_000 } });
  assert.deepEqual(c.linux.namespaces.find((n: any) => n.type === 'network'), { type: 'network', path: '/run/netns/strata-x' });
  assert.ok(c.mounts.some((m: any) => m.destination === '/workspace' && m.options.includes('rw')));
  const inherit = ociConfig({ root: '/r', agentBinary: '/a', agentArgs: [], hostname: 'h', mounts: [], agentCapabilities: [], network: 'inherit' }) as any;
  assert.equal(inherit.linux.namespaces.some((n: any) => n.type === 'network'), false);
  assert.equal(inherit.linux.resources, undefined);
});

test('QEMU: microvm, KVM or TCG, shares and the agent port', () => {
  const plan = {
    accel: 'tcg' as const,
    memoryMiB: 160,
    cpus: 2,
    kernel: '/k/vmlinux',
    initrd: '/k/initramfs.cpio',
    cmdline: ['strata.ip=10.213.0.2/30'],
    shares: [
      { tag: 'rootfs', path: '/state/root', readOnly: true },
      { tag: 'vol0', path: '/ws', readOnly: false },
    ],
    agentSocket: '/state/agent.sock',
    consoleLog: '/state/console.log',
    tap: 'tap0',
    tscKhz: 2_000_000,
  };
  const a = qemuArgs(plan);
  const after = (flag: string) => a[a.indexOf(flag) + 1];
  assert.match(after('-M'), /^microvm/);
  assert.equal(after('-accel'), 'tcg,tb-size=16');
  assert.equal(after('-m'), '160M');
  assert.equal(after('-smp'), '2');
  assert.ok(a.includes('local,id=fs0,path=/state/root,security_model=none,readonly=on'));
  assert.ok(a.includes('local,id=fs1,path=/ws,security_model=none'));
  assert.ok(a.includes('socket,id=agent,path=/state/agent.sock,server=on,wait=off'));
  assert.ok(a.includes('tap,id=net0,ifname=tap0,script=no,downscript=no'));
  assert.match(kernelCmdline(plan), /tsc_early_khz=2000000 .*strata\.ip=10\.213\.0\.2\/30$/);
  assert.ok(qemuArgs({ ...plan, shares: [{ tag: 'rootfs', path: '/odd,dir', readOnly: true }] }).includes('local,id=fs0,path=/odd,,dir,security_model=none,readonly=on'));
  const kvm = qemuArgs({ ...plan, accel: 'kvm', tap: undefined });
  assert.equal(kvm[kvm.indexOf('-accel') + 1], 'kvm');
  assert.doesNotMatch(kernelCmdline({ ...plan, accel: 'kvm' }), /tsc_early_khz/);
});
