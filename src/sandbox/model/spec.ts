/**
 * What a caller asks for when creating a sandbox, and its validation into a
 * normalized form (pure: no file system access; mount sources are checked by
 * the manager).
 */
import { posix } from 'node:path';
import { SandboxError } from './errors.js';
import { parseCpus, parseDuration, parseMemory } from './quantity.js';
import { parseImageRef } from '../images/image-ref.js';
import type { ImageRef } from '../images/image-types.js';

export interface MountSpec {
  /** host directory (absolute) */
  source: string;
  /** path inside the sandbox (absolute) */
  target: string;
  readOnly?: boolean;
}

/** A host device handed to the sandbox: a device node (containers) or a PCI function (VMs, through VFIO). */
export type DeviceSpec = { source: string; target?: string } | { pci: string };

export interface SandboxSpec {
  /** a runtime name (process, namespaces, runc, gvisor, vm) ... */
  runtime?: string;
  /** ... or a runtime class from the configuration (default, secure, ...) */
  runtimeClass?: string;
  /** busybox (default), dir:/path, oci-archive:/path.tar[:name], or an ImageRef */
  image?: string | ImageRef;
  /** host directories shared into the sandbox (e.g. a job's workspace, read-write) */
  mounts?: MountSpec[];
  /** default working directory of execs */
  workdir?: string;
  /** environment every exec starts with (exec options add to it) */
  env?: Record<string, string>;
  hostname?: string;
  /** memory limit: 256Mi, 1G, bytes */
  memory?: string | number;
  /** CPU limit: 0.5, 2, 500m */
  cpus?: string | number;
  /** wall-clock lifetime; the sandbox is destroyed when it runs out ("30s", "5m", or ms as a number) */
  timeout?: string | number;
  /** network off (loopback only) unless true */
  network?: boolean;
  labels?: Record<string, string>;
  /** host devices made visible inside (accelerators bound to the sandbox); admins only through the API */
  devices?: DeviceSpec[];
}

export interface Limits {
  memoryBytes?: number;
  cpus?: number;
  timeoutMs?: number;
}

export interface NormalizedSpec {
  runtime?: string;
  runtimeClass?: string;
  image: ImageRef;
  mounts: Required<MountSpec>[];
  workdir?: string;
  env: Record<string, string>;
  hostname: string;
  limits: Limits;
  network: boolean;
  labels: Record<string, string>;
  /** device nodes: host path and path inside (under /dev) */
  devices: { source: string; target: string }[];
  /** PCI functions (domain:bus:dev.fn) passed through to a VM */
  pciDevices: string[];
}

/** Paths a mount may not cover: the sandbox's own /proc, /dev, /sys and its agent. */
const RESERVED = ['/proc', '/dev', '/sys', '/.strata'];

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function bad(message: string, path: string): SandboxError {
  return new SandboxError('invalid_spec', `sandbox spec ${path}: ${message}`, { path });
}

export function normalizeSandboxPath(p: string, where: string): string {
  if (typeof p !== 'string' || !p.startsWith('/')) throw bad(`${JSON.stringify(p)} must be an absolute path`, where);
  if (p.includes('\0') || /[\n\t]/.test(p)) throw bad('contains control characters', where);
  if (p.split('/').includes('..')) throw bad(`${JSON.stringify(p)} may not contain ".."`, where);
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

/** An environment written as `KEY=value` strings (an image's config, an OCI process); entries without a key are skipped. */
export function parseEnvList(list: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

export function validateEnv(env: unknown, where: string): Record<string, string> {
  if (env === undefined) return {};
  if (typeof env !== 'object' || env === null || Array.isArray(env)) throw bad('must be an object of strings', where);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (!ENV_KEY.test(k)) throw bad(`${JSON.stringify(k)} is not a valid variable name`, `${where}.${k}`);
    if (typeof v !== 'string' || v.includes('\0')) throw bad('must be a string without NUL bytes', `${where}.${k}`);
    out[k] = v;
  }
  return out;
}

const PCI = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

export function validateDevices(list: unknown): Pick<NormalizedSpec, 'devices' | 'pciDevices'> {
  const devices: NormalizedSpec['devices'] = [];
  const pciDevices: string[] = [];
  if (list === undefined) return { devices, pciDevices };
  if (!Array.isArray(list) || list.length > 64) throw bad('must be a list of at most 64 devices', 'devices');
  for (const [i, d] of list.entries()) {
    const where = `devices[${i}]`;
    if (typeof d !== 'object' || d === null) throw bad('must be an object', where);
    if ('pci' in d) {
      if (typeof d.pci !== 'string' || !PCI.test(d.pci)) throw bad('pci must be a PCI address such as 0000:3b:00.0', `${where}.pci`);
      if (!pciDevices.includes(d.pci)) pciDevices.push(d.pci);
      continue;
    }
    const source = (d as { source?: unknown }).source;
    if (typeof source !== 'string' || !source.startsWith('/') || /[,:\\\n\0]/.test(source)) throw bad('source must be an absolute host path without , : \\ or control characters', `${where}.source`);
    const target = normalizeSandboxPath((d as { target?: string }).target ?? `/dev/${posix.basename(source)}`, `${where}.target`);
    if (!target.startsWith('/dev/') || target === '/dev/') throw bad(`${target} must be under /dev`, `${where}.target`);
    if (devices.some((o) => o.target === target)) continue; // two bindings of one device need it once
    devices.push({ source: posix.normalize(source), target });
  }
  return { devices, pciDevices };
}

export function validateSpec(spec: SandboxSpec): NormalizedSpec {
  if (typeof spec !== 'object' || spec === null) throw bad('must be an object', '');
  const known = new Set(['runtime', 'runtimeClass', 'image', 'mounts', 'workdir', 'env', 'hostname', 'memory', 'cpus', 'timeout', 'network', 'labels', 'devices']);
  for (const k of Object.keys(spec)) if (!known.has(k)) throw bad(`unknown field ${JSON.stringify(k)}`, k);
  if (spec.runtime !== undefined && spec.runtimeClass !== undefined) throw bad('give runtime or runtimeClass, not both', 'runtime');
  for (const k of ['runtime', 'runtimeClass'] as const)
    if (spec[k] !== undefined && (typeof spec[k] !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(spec[k]!))) throw bad('must be a lower-case name', k);
  const image = spec.image === undefined ? ({ type: 'busybox' } as const) : typeof spec.image === 'string' ? parseImageRef(spec.image) : spec.image;
  const mounts: Required<MountSpec>[] = [];
  for (const [i, m] of (spec.mounts ?? []).entries()) {
    const where = `mounts[${i}]`;
    if (typeof m !== 'object' || m === null) throw bad('must be an object', where);
    if (typeof m.source !== 'string' || !m.source.startsWith('/')) throw bad('source must be an absolute host path', `${where}.source`);
    if (/[,:\\\n\0]/.test(m.source)) throw bad('source may not contain , : \\ or control characters', `${where}.source`);
    const target = normalizeSandboxPath(m.target, `${where}.target`);
    if (target === '/') throw bad('cannot mount over the root', `${where}.target`);
    if (RESERVED.some((r) => target === r || target.startsWith(`${r}/`))) throw bad(`${target} is reserved`, `${where}.target`);
    if (mounts.some((o) => o.target === target)) throw bad(`${target} is mounted twice`, `${where}.target`);
    mounts.push({ source: posix.normalize(m.source), target, readOnly: m.readOnly === true });
  }
  // Parents before children, so nested mounts stack the right way round.
  mounts.sort((a, b) => a.target.split('/').length - b.target.split('/').length);
  const hostname = spec.hostname ?? 'sandbox';
  if (!HOSTNAME.test(hostname)) throw bad(`${JSON.stringify(hostname)} is not a valid host name`, 'hostname');
  if (spec.network !== undefined && typeof spec.network !== 'boolean') throw bad('must be true or false', 'network');
  const labels = spec.labels ?? {};
  if (typeof labels !== 'object' || Object.values(labels).some((v) => typeof v !== 'string')) throw bad('must be an object of strings', 'labels');
  return {
    runtime: spec.runtime,
    runtimeClass: spec.runtimeClass,
    image,
    mounts,
    workdir: spec.workdir === undefined ? undefined : normalizeSandboxPath(spec.workdir, 'workdir'),
    env: validateEnv(spec.env, 'env'),
    hostname,
    limits: {
      memoryBytes: spec.memory === undefined ? undefined : parseMemory(spec.memory, 'sandbox spec memory'),
      cpus: spec.cpus === undefined ? undefined : parseCpus(spec.cpus, 'sandbox spec cpus'),
      timeoutMs: spec.timeout === undefined ? undefined : parseDuration(spec.timeout, 'sandbox spec timeout'),
    },
    network: spec.network === true,
    labels: { ...labels },
    ...validateDevices(spec.devices),
  };
}
