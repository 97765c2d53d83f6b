/** The runtimes by name: the built-in set, or any set a caller composes. */
import { SandboxError } from '../model/errors.js';
import { GvisorRuntime } from './gvisor/gvisor-runtime.js';
import { NamespacesRuntime } from './namespaces/namespaces-runtime.js';
import { ProcessRuntime } from './process/process-runtime.js';
import { RuncRuntime } from './runc/runc-runtime.js';
import type { Runtime } from './runtime.js';
import { VmRuntime } from './vm/vm-runtime.js';

export class RuntimeRegistry {
  private readonly byName = new Map<string, Runtime>();

  constructor(runtimes: Iterable<Runtime>) {
    for (const r of runtimes) {
      if (this.byName.has(r.name)) throw new Error(`runtime ${r.name} registered twice`);
      this.byName.set(r.name, r);
    }
  }

  get(name: string): Runtime {
    const r = this.byName.get(name);
    if (!r) throw new SandboxError('unknown_runtime', `unknown runtime ${JSON.stringify(name)} (known: ${this.names().join(', ')})`, { runtime: name });
    return r;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  all(): Runtime[] {
    return [...this.byName.values()];
  }
}

export const BUILTIN_RUNTIME_NAMES = ['process', 'namespaces', 'runc', 'gvisor', 'vm'] as const;

export function builtinRuntimes(): Runtime[] {
  return [new ProcessRuntime(), new NamespacesRuntime(), new RuncRuntime(), new GvisorRuntime(), new VmRuntime()];
}
