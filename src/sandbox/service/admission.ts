/**
 * Who may create what, and with which runtime: host paths are the host's,
 * so only admins name them (mounts, devices, images outside the allowed
 * roots, host-process runtimes).
 */
import { realpath } from 'node:fs/promises';
import { ForbiddenError, type Principal } from '../../core/index.js';
import { parseImageRef } from '../images/index.js';
import type { SandboxManager } from '../manager/index.js';
import type { StoredSpec } from '../db/records.js';
import type { CreateRequest } from './requests.js';

/** The runtime a spec gets: its own, or its class's, or the default class's. */
export function resolveRuntime(manager: SandboxManager, defaultClass: string, spec: { runtime?: string; runtimeClass?: string }): { runtime: string; runtimeClass: string | null } {
  if (spec.runtime) return { runtime: manager.registry.get(spec.runtime).name, runtimeClass: null };
  const cls = manager.classes.get(spec.runtimeClass ?? defaultClass);
  manager.registry.get(cls.runtime);
  return { runtime: cls.runtime, runtimeClass: cls.name };
}

export async function authorize(manager: SandboxManager, imageRoots: string[], caller: Principal, input: CreateRequest, runtime: string): Promise<void> {
  if (caller.role === 'admin') return;
  if (input.devices?.length) throw new ForbiddenError('devices name host device nodes: only admins may give them (others ask for accelerators)');
  if (input.mounts?.length) throw new ForbiddenError('mounts name host directories: only admins may give them');
  if (manager.registry.get(runtime).isolation === 'none')
    throw new ForbiddenError(`runtime ${runtime} runs commands as host processes with the server's privileges: only admins may use it`);
  const ref = parseImageRef(input.image ?? 'busybox');
  if (ref.type === 'busybox') return;
  const path = await realpath(ref.path).catch(() => ref.path);
  for (const root of imageRoots) {
    const r = await realpath(root).catch(() => root);
    if (path.startsWith(r.endsWith('/') ? r : `${r}/`)) return;
  }
  throw new ForbiddenError(`image ${input.image} is a host path outside the image directories this server allows (${imageRoots.join(', ') || 'none'}); only admins may use it`);
}

/** The spec as recorded: environment values may be secrets, so only their names are kept. */
export function storedSpec(input: CreateRequest): StoredSpec {
  const { env, ...rest } = input;
  return { ...rest, ...(env ? { envNames: Object.keys(env).sort() } : {}) };
}
