/**
 * The sandbox module's public API: create sandboxes on one of five runtimes
 * (process, namespaces, runc, gvisor, vm), exec in them with streamed stdio,
 * copy files in and out, destroy them without leaving anything behind.
 *
 *   const manager = await SandboxManager.open({ stateDir, cacheDir });
 *   const sb = await manager.create({ runtime: 'vm', memory: '256Mi', mounts: [{ source: ws, target: '/workspace' }], workdir: '/workspace' });
 *   const r = await sb.run(['sh', '-c', 'make test']);
 *   await sb.destroy();
 */
export * from './model/index.js';
export * from './manager/index.js';
export { RuntimeRegistry, builtinRuntimes, BUILTIN_RUNTIME_NAMES } from './runtimes/index.js';
export type { Runtime, RuntimeInstance, RuntimeStartContext, LimitPlan, LimitEnforcement, HostCheck, Isolation, Logger } from './runtimes/index.js';
export { parseImageRef, formatImageRef, type ImageRef, type ResolvedImage, type ImageConfig } from './images/index.js';
export { prepareSandboxAssets, type PreparedAssets } from './vm/prepare.js';
export { detectCgroups } from './limits/index.js';

import { SandboxManager, type SandboxManagerOptions } from './manager/index.js';
import type { SandboxSpec } from './model/index.js';
import type { Sandbox } from './manager/index.js';

/** Creates one sandbox with a manager of its own (for scripts; servers keep one manager). */
export async function createSandbox(spec: SandboxSpec, opts: SandboxManagerOptions = {}): Promise<Sandbox> {
  const manager = await SandboxManager.open(opts);
  return manager.create(spec);
}
export { sandboxModule } from './module.js';
export type { SandboxService } from './service/index.js';
