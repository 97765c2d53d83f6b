/** What launching a runtime's host process gives back, directly (launch.ts) or under a supervisor (supervised.ts), and the runtime instance made of it. */
import type { AgentChannel } from '../agent/agent-client.js';
import type { KvPairs } from '../agent/protocol.js';
import { processTree } from '../host/host-processes.js';
import type { RuntimeInstance } from './runtime.js';

export interface Launched {
  pid: number;
  exited: Promise<string>;
  stderrTail(): string;
  /** the agent's stream: the child's stdio, or (supervised) the supervisor's relay of it */
  channel(): Promise<AgentChannel>;
}

/** Supervised: the runtime's process is the child of a per-sandbox supervisor, not of the server. */
export interface SuperviseOptions {
  /** the sandbox's state directory, where the supervisor keeps its sockets and files */
  dir: string;
  id: string;
  /** where the agent speaks: the child's stdio, or a unix socket the child serves */
  agent: 'stdio' | { socket: string };
}

/** A started (or adopted) runtime: its launched process holds the sandbox, its channel reaches the agent. */
export function runtimeInstance(p: Launched, channel: AgentChannel, o: { setup?: KvPairs; diagnostics?: () => string; stop?: () => Promise<void> } = {}): RuntimeInstance {
  return {
    channel,
    ...(o.setup ? { setup: o.setup } : {}),
    mainPid: p.pid,
    hostPids: () => processTree(p.pid),
    exited: p.exited,
    diagnostics: o.diagnostics ?? p.stderrTail,
    stop: o.stop ?? (async () => {}),
  };
}
