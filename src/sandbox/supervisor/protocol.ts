/**
 * Wire protocol between the Strata server and a per-sandbox supervisor (the
 * shim): one JSON object per line over a unix socket, one request then one
 * reply per connection, so a server that dies mid-request leaves nothing
 * half-open in the supervisor.
 */
export interface SupervisorSpec {
  id: string;
  /** names the runtime's process in messages ("sandbox ID qemu") */
  label?: string;
  /** The runtime's host process; the supervisor, not the server, is its parent. */
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  /**
   * Where the sandbox's agent speaks: on the child's stdin/stdout ('stdio'), or
   * on a unix socket the child serves (QEMU's virtio-serial chardev). Either way
   * the supervisor holds that stream and relays it to the server on its own
   * channel socket, so the agent's session survives the server.
   */
  agent?: 'stdio' | { socket: string };
}

/** What an exec of a gone server did while nobody was attached. */
export interface OrphanExec {
  channel: number;
  /** the last bytes of its stdout and stderr, interleaved as they came */
  output: string;
  /** the agent's EXIT payload fields, once it ended */
  exit?: Record<string, string>;
}

export type Request =
  | { op: 'status' }
  | { op: 'signal'; signal: NodeJS.Signals }
  | { op: 'shutdown' }
  | { op: 'wait' }
  | { op: 'orphans' };

export interface Status {
  id: string;
  label?: string;
  supervisorPid: number;
  childPid: number | null;
  state: 'running' | 'exited';
  exitCode: number | null;
  exitSignal: string | null;
  startedAt: string;
}

export type Reply = { ok: true; result: unknown } | { ok: false; error: string };

/** Splits a byte stream into lines; the last, unterminated piece is kept until more arrives. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    let i: number;
    while ((i = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      if (line.trim()) onLine(line);
    }
  };
}

const OPS = new Set(['status', 'signal', 'shutdown', 'wait', 'orphans']);

/** Validates an incoming request; the error names the bad field. */
export function parseRequest(line: string): Request {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error('request is not JSON');
  }
  if (!v || typeof v !== 'object') throw new Error('request must be an object');
  const r = v as Record<string, unknown>;
  if (typeof r.op !== 'string' || !OPS.has(r.op)) throw new Error(`unknown op ${JSON.stringify(r.op)}`);
  if (r.op === 'signal' && (typeof r.signal !== 'string' || !/^SIG[A-Z0-9]+$/.test(r.signal))) throw new Error('signal: expected a name like SIGTERM');
  return r as unknown as Request;
}
