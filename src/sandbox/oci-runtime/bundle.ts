/**
 * An OCI bundle's config.json as a Strata sandbox: which runtime (the
 * `io.strata.runtime` annotation, as Kata's `io.katacontainers.*`), the
 * sandbox spec, and the container's process. Pure: what cannot be honoured
 * is returned as warnings for stderr, never silently dropped.
 */
import { isAbsolute, join } from 'node:path';
import { parseEnvList, type SandboxSpec } from '../model/spec.js';

export const RUNTIME_ANNOTATION = 'io.strata.runtime';
export const OCI_RUNTIMES = ['vm', 'gvisor', 'runc', 'namespaces'] as const;
export type OciRuntimeChoice = (typeof OCI_RUNTIMES)[number];

export interface ContainerProcess {
  args: string[];
  env: Record<string, string>;
  cwd: string;
  terminal: boolean;
  consoleSize?: { rows: number; cols: number };
}

export interface BundlePlan {
  runtime: OciRuntimeChoice;
  spec: SandboxSpec;
  process: ContainerProcess;
  annotations: Record<string, string>;
  warnings: string[];
}

/** Mount destinations every container runtime provides itself (the sandbox has its own). */
const SYSTEM_MOUNTS = new Set(['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/run/.containerenv']);
/** Files podman and containerd bind in that a sandbox generates itself (hostname, resolver, hosts). */
const GENERATED_FILES = new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);

export class BundleError extends Error {}

type Json = Record<string, unknown>;

function obj(v: unknown, where: string): Json {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BundleError(`${where}: expected an object`);
  return v as Json;
}

function strings(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BundleError(`${where}: expected a list of strings`);
  return v as string[];
}

/** Parses the text of config.json; `bundle` resolves a relative root.path. */
export function planBundle(text: string, bundle: string, isDirectory: (path: string) => boolean): BundlePlan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BundleError(`config.json: ${(err as Error).message}`);
  }
  const config = obj(raw, 'config.json');
  const warnings: string[] = [];
  const annotations = config.annotations === undefined ? {} : (obj(config.annotations, 'config.json annotations') as Record<string, string>);
  const choice = annotations[RUNTIME_ANNOTATION] ?? 'vm';
  if (!(OCI_RUNTIMES as readonly string[]).includes(choice))
    throw new BundleError(`annotation ${RUNTIME_ANNOTATION}=${JSON.stringify(choice)}: expected one of ${OCI_RUNTIMES.join(', ')}`);

  const root = obj(config.root, 'config.json root');
  if (typeof root.path !== 'string' || !root.path) throw new BundleError('config.json root.path: expected a path');
  const rootfs = isAbsolute(root.path) ? root.path : join(bundle, root.path);
  if (!isDirectory(rootfs)) throw new BundleError(`rootfs ${rootfs}: no such directory`);

  const p = obj(config.process, 'config.json process');
  const args = strings(p.args, 'config.json process.args');
  if (args.length === 0) throw new BundleError('config.json process.args: the container needs a command');
  const env = parseEnvList(p.env === undefined ? [] : strings(p.env, 'config.json process.env'));
  const cwd = typeof p.cwd === 'string' && p.cwd.startsWith('/') ? p.cwd : '/';
  const user = p.user === undefined ? {} : obj(p.user, 'config.json process.user');
  if ((user.uid ?? 0) !== 0 || (user.gid ?? 0) !== 0) warnings.push(`process.user ${user.uid}:${user.gid}: the command runs as root inside the sandbox`);
  if (Array.isArray(p.rlimits) && p.rlimits.length) warnings.push(`process.rlimits: not applied (${p.rlimits.length} given); the sandbox's own limits apply`);
  const size = p.consoleSize === undefined ? undefined : obj(p.consoleSize, 'config.json process.consoleSize');

  const mounts: NonNullable<SandboxSpec['mounts']> = [];
  for (const [i, m] of (config.mounts === undefined ? [] : (config.mounts as unknown[])).entries()) {
    const mount = obj(m, `config.json mounts[${i}]`);
    const dest = String(mount.destination ?? '');
    if (SYSTEM_MOUNTS.has(dest) || GENERATED_FILES.has(dest)) continue;
    const options = Array.isArray(mount.options) ? (mount.options as string[]) : [];
    const bind = mount.type === 'bind' || options.includes('bind') || options.includes('rbind');
    if (!bind || typeof mount.source !== 'string') {
      warnings.push(`mounts[${i}] ${dest} (${String(mount.type)}): only bind mounts of directories are supported; skipped`);
      continue;
    }
    if (!isDirectory(mount.source)) {
      warnings.push(`mounts[${i}] ${dest}: ${mount.source} is not a directory; only directories can be bound into a sandbox; skipped`);
      continue;
    }
    mounts.push({ source: mount.source, target: dest, readOnly: options.includes('ro') });
  }

  const linux = config.linux === undefined ? {} : obj(config.linux, 'config.json linux');
  const resources = linux.resources === undefined ? {} : obj(linux.resources, 'config.json linux.resources');
  const spec: SandboxSpec = { runtime: choice, image: `dir:${rootfs}`, mounts, env, workdir: cwd };
  if (typeof config.hostname === 'string' && config.hostname) spec.hostname = config.hostname;
  const memory = (resources.memory as Json | undefined)?.limit;
  if (typeof memory === 'number' && memory > 0) spec.memory = memory;
  const cpu = resources.cpu as Json | undefined;
  if (typeof cpu?.quota === 'number' && typeof cpu.period === 'number' && cpu.quota > 0 && cpu.period > 0) spec.cpus = Math.round((cpu.quota / cpu.period) * 100) / 100;
  const namespaces = Array.isArray(linux.namespaces) ? (linux.namespaces as Json[]) : [];
  // a network namespace with a path joins someone else's network: the sandbox has its own instead
  const netns = namespaces.find((n) => n.type === 'network');
  if (netns?.path) warnings.push(`linux.namespaces network path ${String(netns.path)}: not joined; the sandbox has its own network`);
  spec.network = !netns || Boolean(netns.path);
  return {
    runtime: choice as OciRuntimeChoice,
    spec,
    process: {
      args,
      env,
      cwd,
      terminal: p.terminal === true,
      consoleSize: size ? { rows: Number(size.height) || 24, cols: Number(size.width) || 80 } : undefined,
    },
    annotations,
    warnings,
  };
}
