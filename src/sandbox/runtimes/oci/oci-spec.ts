/**
 * The OCI runtime-spec config.json for a sandbox (pure), shared by runc and
 * runsc: the agent as the container's process, a read-only root, private
 * /proc, /dev, /tmp, volumes as bind mounts, no capabilities for commands,
 * and the resources the runtime enforces itself.
 */
import { AGENT_PATH } from '../../rootfs/overlay-rootfs.js';
import type { MountSpec } from '../../model/spec.js';

export interface OciPlan {
  root: string;
  agentBinary: string;
  agentArgs: string[];
  hostname: string;
  mounts: ReadonlyArray<Required<MountSpec>>;
  /** capabilities the agent itself keeps (it drops all before running a command) */
  agentCapabilities: string[];
  /** join a prepared network namespace, create a new empty one, or stay in the runtime's own */
  network: { path: string } | 'new' | 'inherit';
  resources?: { memoryBytes?: number; cpus?: number };
  /** relative to the runtime's own cgroup */
  cgroupsPath?: string;
  /** host device nodes created inside, with cgroup rules allowing them */
  devices?: ReadonlyArray<{ target: string; type: 'c' | 'b'; major: number; minor: number }>;
}

interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

export function ociConfig(plan: OciPlan): Record<string, unknown> {
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
  ];
  for (const m of plan.mounts) mounts.push({ destination: m.target, type: 'bind', source: m.source, options: ['rbind', m.readOnly ? 'ro' : 'rw'] });
  mounts.push({ destination: AGENT_PATH, type: 'bind', source: plan.agentBinary, options: ['bind', 'ro'] });

  const namespaces: Array<{ type: string; path?: string }> = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (plan.network === 'new') namespaces.push({ type: 'network' });
  else if (plan.network !== 'inherit') namespaces.push({ type: 'network', path: plan.network.path });

  const linux: Record<string, unknown> = {
    namespaces,
    maskedPaths: [
      '/proc/acpi',
      '/proc/asound',
      '/proc/kcore',
      '/proc/keys',
      '/proc/latency_stats',
      '/proc/timer_list',
      '/proc/timer_stats',
      '/proc/sched_debug',
      '/sys/firmware',
      '/proc/scsi',
    ],
    readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
  };
  if (plan.cgroupsPath) linux.cgroupsPath = plan.cgroupsPath;
  const r = plan.resources;
  const devices = plan.devices ?? [];
  if (devices.length) linux.devices = devices.map((d) => ({ path: d.target, type: d.type, major: d.major, minor: d.minor, fileMode: 0o666, uid: 0, gid: 0 }));
  if ((r && (r.memoryBytes !== undefined || r.cpus !== undefined)) || devices.length) {
    const resources: Record<string, unknown> = {};
    // the runtime's default rules deny every other device
    if (devices.length) resources.devices = devices.map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: 'rwm' }));
    // swap = limit: no swapping past it where swap accounting exists
    if (r?.memoryBytes !== undefined) resources.memory = { limit: r.memoryBytes, swap: r.memoryBytes };
    if (r?.cpus !== undefined) resources.cpu = { quota: Math.max(1000, Math.round(r.cpus * 100_000)), period: 100_000 };
    linux.resources = resources;
  }
  const caps = plan.agentCapabilities;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: [AGENT_PATH, ...plan.agentArgs],
      env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: plan.root, readonly: true },
    hostname: plan.hostname,
    mounts,
    linux,
  };
}
