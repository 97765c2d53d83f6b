/** What launching a runtime's host process gives back, directly (launch.ts) or under a supervisor (supervised.ts). */
import type { AgentChannel } from '../agent/agent-client.js';

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
