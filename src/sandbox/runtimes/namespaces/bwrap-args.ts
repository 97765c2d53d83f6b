/**
 * bubblewrap's argv for a sandbox (pure): new user, PID, mount, IPC, UTS and
 * (unless joining a prepared one) network namespaces; the overlay root bound
 * read-only; private /proc, /dev and /tmp; volumes; all capabilities dropped.
 */
import { AGENT_PATH } from '../../rootfs/overlay-rootfs.js';
import type { MountSpec } from '../../model/spec.js';

export interface BwrapPlan {
  root: string;
  agentBinary: string;
  hostname: string;
  mounts: ReadonlyArray<Required<MountSpec>>;
  /** join the caller's network namespace (prepared with a veth pair) instead of a new, empty one */
  shareNetwork: boolean;
  /** host device nodes bound in under the private /dev (accelerators) */
  devices?: ReadonlyArray<{ source: string; target: string }>;
}

export function bwrapArgs(plan: BwrapPlan): string[] {
  const args = [
    'bwrap',
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(plan.shareNetwork ? [] : ['--unshare-net']),
    '--uid',
    '0',
    '--gid',
    '0',
    '--hostname',
    plan.hostname,
    '--ro-bind',
    plan.root,
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
  ];
  for (const d of plan.devices ?? []) args.push('--dev-bind', d.source, d.target);
  for (const m of plan.mounts) args.push(m.readOnly ? '--ro-bind' : '--bind', m.source, m.target);
  args.push('--ro-bind', plan.agentBinary, AGENT_PATH);
  args.push('--cap-drop', 'ALL', '--die-with-parent', '--new-session', '--clearenv', '--setenv', 'PATH', '/usr/sbin:/usr/bin:/sbin:/bin', '--chdir', '/');
  args.push(AGENT_PATH);
  return args;
}
