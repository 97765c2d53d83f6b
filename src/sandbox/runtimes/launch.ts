/**
 * Starts a runtime's host process (bwrap, runc, runsc, qemu, or the agent
 * itself) in its own process group, records it in the ledger, keeps the tail
 * of its stderr for error messages, and describes how it ended. Every
 * runtime starts through startRuntime: the one path from an argv to a
 * running instance, supervised or not.
 */
import { spawn } from 'node:child_process';
import { launchSupervised } from './supervised.js';
import { SandboxError } from '../model/errors.js';
import { ResourceLedger } from '../manager/resources.js';
import { wrapInCgroup } from '../limits/cgroups.js';
import type { AgentChannel } from '../agent/agent-client.js';
import type { KvPairs } from '../agent/protocol.js';
import type { RuntimeInstance, RuntimeStartContext } from './runtime.js';

export type { Launched, SuperviseOptions } from './launched.js';
import { runtimeInstance, type Launched, type SuperviseOptions } from './launched.js';

const TAIL = 8192;

export class TailBuffer {
  private text = '';
  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-TAIL);
  }
  toString(): string {
    return this.text;
  }
}

export async function launch(
  argv: readonly string[],
  opts: { ledger: ResourceLedger; label: string; env?: NodeJS.ProcessEnv; cwd?: string; stdio?: 'pipe' | 'ignore-in'; supervise?: SuperviseOptions },
): Promise<Launched> {
  if (opts.supervise) return launchSupervised(argv, { ...opts, supervise: opts.supervise });
  const child = spawn(argv[0], argv.slice(1), {
    stdio: opts.stdio === 'ignore-in' ? ['ignore', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
    detached: true, // its own process group: one kill reaches everything it started
    env: opts.env ?? { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    cwd: opts.cwd ?? '/',
    shell: false,
  });
  const tail = new TailBuffer();
  child.stderr!.on('data', (c: Buffer) => tail.push(c));
  const exited = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => {
      const tailText = tail.toString().trim().split('\n').slice(-6).join(' | ');
      resolve(`${opts.label} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${tailText ? `: ${tailText}` : ''}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new SandboxError(
          'runtime_unavailable',
          err.code === 'ENOENT' ? `${opts.label}: ${argv[0]} is not installed` : `${opts.label}: cannot start ${argv[0]}: ${err.message}`,
        ),
      ),
    );
  });
  const pid = child.pid!;
  await opts.ledger.add(ResourceLedger.processResource(pid, opts.label));
  return { pid, exited, stderrTail: () => tail.toString(), channel: async () => ({ readable: child.stdout!, writable: child.stdin! }) };
}

/** The supervise options for a runtime's start, when its manager supervises sandboxes. */
function superviseIn(ctx: { supervised?: boolean; stateDir: string; id: string }, agent: SuperviseOptions['agent']): SuperviseOptions | undefined {
  return ctx.supervised ? { dir: ctx.stateDir, id: ctx.id, agent } : undefined;
}

export interface StartOptions {
  /** the host process, as labels name it: "sandbox ID <what>" */
  what: string;
  cwd?: string;
  stdio?: 'pipe' | 'ignore-in';
  /** where the agent speaks under a supervisor (default: the process's stdio) */
  agent?: SuperviseOptions['agent'];
  /** start argv inside the sandbox's network namespace (when it has one) and host cgroup */
  enter?: { netns?: boolean; cgroup?: boolean };
  /** the agent's stream, when it is not the launched process's own (a VM's socket) */
  channel?(p: Launched): Promise<AgentChannel>;
  diagnostics?(p: Launched): string;
  setup?: KvPairs;
  stop?(channel: AgentChannel): Promise<void>;
}

/** Launches a runtime's host process for a sandbox and makes the runtime instance of it. */
export async function startRuntime(ctx: RuntimeStartContext, argv: readonly string[], o: StartOptions): Promise<RuntimeInstance> {
  let a = [...argv];
  if (o.enter?.netns && ctx.network) a = ['nsenter', `--net=${ctx.network.netnsPath}`, '--', ...a];
  if (o.enter?.cgroup) a = wrapInCgroup(ctx.cgroup?.procsFiles() ?? [], a);
  const p = await launch(a, { ledger: ctx.ledger, label: `sandbox ${ctx.id} ${o.what}`, cwd: o.cwd, stdio: o.stdio, supervise: superviseIn(ctx, o.agent ?? 'stdio') });
  const channel = o.channel ? await o.channel(p) : await p.channel();
  return runtimeInstance(p, channel, {
    setup: o.setup,
    ...(o.diagnostics ? { diagnostics: () => o.diagnostics!(p) } : {}),
    ...(o.stop ? { stop: () => o.stop!(channel) } : {}),
  });
}
