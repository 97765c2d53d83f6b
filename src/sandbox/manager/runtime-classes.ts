/**
 * Runtime classes, as Kubernetes' RuntimeClass: a name users and the gate
 * pick (default, secure, ...) mapped to a runtime (the "handler") and the
 * fixed overhead each sandbox of that class costs the host, for whoever
 * schedules sandboxes onto hosts. Classes come from configuration; these
 * built-in ones apply when it names none. Overheads are the idle costs
 * measured by bench/sandbox.ts on a 2-core TCG host, rounded up.
 */
import { SandboxError } from '../model/errors.js';
import { parseCpus, parseMemory } from '../model/quantity.js';

export interface RuntimeClass {
  name: string;
  runtime: string;
  overhead: { memoryBytes: number; cpus: number };
  description?: string;
}

const Mi = 1024 * 1024;

export const BUILTIN_CLASSES: readonly RuntimeClass[] = [
  { name: 'default', runtime: 'namespaces', overhead: { memoryBytes: 8 * Mi, cpus: 0.01 }, description: 'bubblewrap namespaces' },
  { name: 'trusted', runtime: 'process', overhead: { memoryBytes: 4 * Mi, cpus: 0 }, description: 'host processes, for trusted jobs only' },
  { name: 'container', runtime: 'runc', overhead: { memoryBytes: 16 * Mi, cpus: 0.01 }, description: 'runc containers' },
  { name: 'gvisor', runtime: 'gvisor', overhead: { memoryBytes: 64 * Mi, cpus: 0.05 }, description: 'gVisor user-space kernel' },
  { name: 'secure', runtime: 'vm', overhead: { memoryBytes: 160 * Mi, cpus: 0.1 }, description: 'a QEMU virtual machine per sandbox' },
  { name: 'vm', runtime: 'vm', overhead: { memoryBytes: 160 * Mi, cpus: 0.1 }, description: 'a QEMU virtual machine per sandbox' },
];

/**
 * Parses classes from configuration: a list of
 *   { name, runtime (or handler), overhead: { memory, cpu }, description }
 * `where` names the document for error messages.
 */
export function parseRuntimeClasses(doc: unknown, knownRuntimes: readonly string[], where = 'runtimeClasses'): RuntimeClass[] {
  if (!Array.isArray(doc)) throw new SandboxError('invalid_spec', `${where}: must be a list of runtime classes`);
  const out: RuntimeClass[] = [];
  for (const [i, raw] of doc.entries()) {
    const at = `${where}[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new SandboxError('invalid_spec', `${at}: must be an object`);
    const c = raw as Record<string, unknown>;
    for (const k of Object.keys(c))
      if (!['name', 'runtime', 'handler', 'overhead', 'description'].includes(k)) throw new SandboxError('invalid_spec', `${at}: unknown field ${JSON.stringify(k)}`);
    if (typeof c.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(c.name)) throw new SandboxError('invalid_spec', `${at}.name: must be a lower-case name`);
    if (out.some((o) => o.name === c.name)) throw new SandboxError('invalid_spec', `${at}.name: ${c.name} is defined twice`);
    const runtime = c.runtime ?? c.handler;
    if (typeof runtime !== 'string') throw new SandboxError('invalid_spec', `${at}.runtime: required`);
    if (!knownRuntimes.includes(runtime)) throw new SandboxError('unknown_runtime', `${at}.runtime: unknown runtime ${JSON.stringify(runtime)} (known: ${knownRuntimes.join(', ')})`);
    const oh = (c.overhead ?? {}) as Record<string, unknown>;
    if (typeof oh !== 'object' || oh === null) throw new SandboxError('invalid_spec', `${at}.overhead: must be an object`);
    out.push({
      name: c.name,
      runtime,
      overhead: {
        memoryBytes: oh.memory === undefined ? 0 : parseMemory(oh.memory as string, `${at}.overhead.memory`),
        cpus: oh.cpu === undefined ? 0 : parseCpus(oh.cpu as string, `${at}.overhead.cpu`),
      },
      description: typeof c.description === 'string' ? c.description : undefined,
    });
  }
  return out;
}

export class RuntimeClasses {
  private readonly byName: Map<string, RuntimeClass>;

  constructor(classes: readonly RuntimeClass[] = BUILTIN_CLASSES) {
    this.byName = new Map(classes.map((c) => [c.name, c]));
  }

  get(name: string): RuntimeClass {
    const c = this.byName.get(name);
    if (!c) throw new SandboxError('unknown_runtime', `unknown runtime class ${JSON.stringify(name)} (known: ${[...this.byName.keys()].join(', ')})`, { runtimeClass: name });
    return c;
  }

  list(): RuntimeClass[] {
    return [...this.byName.values()];
  }
}
