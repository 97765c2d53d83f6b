/**
 * One exec over an agent connection: the EXEC request, STARTED with the
 * command's pid, its output with flow control (WINDOW grants as the
 * consumer reads), stdin, signals and terminal sizes, and EXIT.
 */
import { Readable, Writable } from 'node:stream';
import { AgentFrame, DATA_CHUNK, HostFrame, decodeKv, encodeKv, encodeResize, encodeSignal, encodeWindow, kvGet } from './protocol.js';
import { signalName, signalNumber } from './signals.js';
import { agentError, type AgentLink } from './agent-link.js';

export interface AgentExecRequest {
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  tty?: { rows: number; cols: number };
}

export interface AgentExecResult {
  /** Exit code, or null when the command was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface AgentExec {
  readonly pid: number;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  signal(sig: NodeJS.Signals | number, group?: boolean): void;
  resize(rows: number, cols: number): void;
  wait(): Promise<AgentExecResult>;
}

/** Grants go out in steps of at least this much consumed output (or when the reader has caught up). */
const GRANT_STEP = 64 * 1024;

/**
 * A command's output stream. Every way of consuming a Readable (data events,
 * async iteration, pipe) goes through read(), so that is where consumption
 * is noticed; _read alone would not do (Node asks it once, then waits for a
 * push that only a grant can bring).
 */
class OutputStream extends Readable {
  constructor(private readonly consumed: () => void) {
    super();
  }

  override read(size?: number): any {
    const chunk = super.read(size);
    this.consumed();
    return chunk;
  }

  override _read(): void {
    this.consumed();
  }
}

export function startExec(link: AgentLink, req: AgentExecRequest): Promise<AgentExec> {
  const channel = link.allocate();
  const pairs: Array<[string, string]> = req.argv.map((a) => ['arg', a] as [string, string]);
  for (const [k, v] of Object.entries(req.env)) pairs.push(['env', `${k}=${v}`]);
  pairs.push(['cwd', req.cwd]);
  if (req.tty) pairs.push(['tty', '1'], ['rows', String(req.tty.rows)], ['cols', String(req.tty.cols)]);
  // Flow control: the agent may send INITIAL_WINDOW bytes of output, and
  // more as the consumer reads (WINDOW frames). A consumer that stops
  // reading stalls the command, as a full pipe would; memory stays bounded.
  let received = 0;
  let granted = 0;
  const grant = () => {
    if (link.closedError() || !link.isOpen(channel)) return;
    const buffered = stdout.readableLength + stderr.readableLength;
    const delta = received - buffered - granted;
    if (delta >= GRANT_STEP || (delta > 0 && buffered === 0)) {
      granted += delta;
      link.send(HostFrame.WINDOW, channel, encodeWindow(delta));
    }
  };
  const stdout: OutputStream = new OutputStream(grant);
  const stderr: OutputStream = new OutputStream(grant);
  let settleExit: { resolve: (r: AgentExecResult) => void; reject: (e: Error) => void } | undefined;
  const exited = new Promise<AgentExecResult>((resolve, reject) => (settleExit = { resolve, reject }));
  exited.catch(() => {}); // observed through wait()
  return new Promise<AgentExec>((resolve, reject) => {
    const closed = link.closedError();
    if (closed) return reject(closed);
    let started = false;
    const finish = (err?: Error, result?: AgentExecResult) => {
      link.off(channel);
      if (err) {
        // End the streams (not destroy them with the error: an unread stream
        // would throw it); the error itself comes from wait().
        stdout.push(null);
        stderr.push(null);
        if (started) settleExit!.reject(err);
        else reject(err);
      } else {
        stdout.push(null);
        stderr.push(null);
        // Resolve after the output already received reaches the listeners
        // attached to the streams (they flow on the next tick).
        setImmediate(() => settleExit!.resolve(result!));
      }
    };
    link.on(channel, (frame) => {
      switch (frame.type) {
        case AgentFrame.STARTED: {
          started = true;
          const pid = Number(kvGet(decodeKv(frame.payload), 'pid'));
          resolve(execHandle(link, channel, pid, stdout, stderr, exited));
          break;
        }
        case AgentFrame.STDOUT:
          received += frame.payload.length;
          stdout.push(frame.payload);
          break;
        case AgentFrame.STDERR:
          received += frame.payload.length;
          stderr.push(frame.payload);
          break;
        case AgentFrame.EXIT: {
          const kv = decodeKv(frame.payload);
          const sig = kvGet(kv, 'signal');
          finish(undefined, {
            exitCode: sig === undefined ? Number(kvGet(kv, 'code')) : null,
            signal: sig === undefined ? null : signalName(Number(sig)),
          });
          break;
        }
        case AgentFrame.ERROR:
          finish(agentError(frame.payload, link.label, `exec ${req.argv[0]}`));
          break;
        case -1: // the connection died
          finish(link.closedError());
          break;
      }
    });
    link.send(HostFrame.EXEC, channel, encodeKv(pairs));
  });
}

function execHandle(link: AgentLink, channel: number, pid: number, stdout: Readable, stderr: Readable, exited: Promise<AgentExecResult>): AgentExec {
  const live = () => !link.closedError() && link.isOpen(channel);
  const stdin = new Writable({
    write: (chunk: Buffer, _enc, cb) => {
      if (!live()) return cb();
      for (let off = 0; off < chunk.length; off += DATA_CHUNK) {
        const part = chunk.subarray(off, off + DATA_CHUNK);
        const last = off + DATA_CHUNK >= chunk.length;
        link.send(HostFrame.STDIN, channel, part, last ? cb : undefined);
      }
      if (chunk.length === 0) cb();
    },
    final: (cb) => {
      if (live()) link.send(HostFrame.STDIN, channel, Buffer.alloc(0));
      cb();
    },
  });
  stdin.on('error', () => {});
  return {
    pid,
    stdin,
    stdout,
    stderr,
    signal: (sig, group = false) => {
      if (!live()) return;
      const signo = typeof sig === 'number' ? sig : signalNumber(sig);
      link.send(HostFrame.SIGNAL, channel, encodeSignal(signo, group));
    },
    resize: (rows, cols) => {
      if (live()) link.send(HostFrame.RESIZE, channel, encodeResize(rows, cols));
    },
    wait: () => exited,
  };
}
