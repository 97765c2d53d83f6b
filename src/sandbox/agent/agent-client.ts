/**
 * The host side of one agent connection: multiplexes execs and copies over a
 * single byte stream (pipes to bwrap/runc/runsc, or QEMU's virtio-serial
 * socket). One channel id per exec or copy; channel 0 is the control channel.
 */
import { Readable, Writable } from 'node:stream';
import { SandboxError } from '../model/errors.js';
import {
  AgentFrame,
  DATA_CHUNK,
  FrameDecoder,
  HostFrame,
  PROTOCOL_VERSION,
  decodeKv,
  encodeFrame,
  encodeKv,
  encodeResize,
  encodeSignal,
  encodeWindow,
  kvGet,
  type Frame,
  type KvPairs,
} from './protocol.js';
import { signalName, signalNumber } from './signals.js';
import type { CopyEntry, CopySink } from './copy-tree.js';

export interface AgentChannel {
  readable: Readable;
  writable: Writable;
}

export interface AgentHello {
  version: number;
  pid: number;
  mode: 'plain' | 'vm';
}

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

export interface AgentClientOptions {
  /** Names the sandbox in error messages. */
  label: string;
  /**
   * Called once when the stream ends unexpectedly; returns what is known of
   * the cause (runtime exit status, console tail) for the error message.
   */
  describeClose?: () => Promise<string>;
}

type ChannelHandler = (frame: Frame) => void;

/** Copy-out data the host holds before it stops reading the agent's stream. */
const COPY_BACKLOG = 8 * 1024 * 1024;

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

interface Pending {
  resolve: (frame: Frame) => void;
  reject: (err: Error) => void;
}

/** An ERROR frame's key/values, turned into a SandboxError for the caller. */
function agentError(payload: Buffer, label: string, what: string): SandboxError {
  const kv = decodeKv(payload);
  const stage = kvGet(kv, 'stage') ?? 'unknown';
  const code = kvGet(kv, 'code') ?? '';
  const message = kvGet(kv, 'message') ?? 'agent error';
  const details = { sandbox: label, stage, errno: code };
  if (stage === 'exec' && (code === 'ENOENT' || code === 'ENOTDIR'))
    return new SandboxError('command_not_found', `${label}: command not found: ${message}`, details);
  if (stage === 'exec' && code === 'EACCES')
    return new SandboxError('command_not_found', `${label}: command not executable: ${message}`, details);
  if (stage === 'cwd') return new SandboxError('cwd_not_found', `${label}: ${message}`, details);
  if (stage === 'copy') return new SandboxError('copy_failed', `${label}: ${what}: ${message}`, details);
  if (stage === 'setup') return new SandboxError('start_failed', `${label}: guest setup failed: ${message}`, details);
  return new SandboxError('exec_failed', `${label}: ${what}: ${message}`, details);
}

export class AgentClient {
  private readonly decoder = new FrameDecoder();
  private readonly handlers = new Map<number, ChannelHandler>();
  private nextChannel = 1;
  private pendingCopyBytes = 0;
  private closedError: Error | undefined;
  private helloWaiter: Pending | undefined;
  private hello: AgentHello | undefined;
  private readonly closedPromise: Promise<Error>;
  private resolveClosed!: (err: Error) => void;
  private closing = false;
  private closingReason = 'the agent was shut down';

  constructor(
    private readonly channel: AgentChannel,
    private readonly options: AgentClientOptions,
  ) {
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    channel.readable.on('data', (chunk: Buffer) => this.onData(chunk));
    channel.readable.on('end', () => void this.onEnd('the agent closed its stream'));
    channel.readable.on('close', () => void this.onEnd('the agent stream closed'));
    channel.readable.on('error', (err) => void this.onEnd(`the agent stream failed: ${err.message}`));
    // EPIPE on write surfaces here; the read side reports the death itself.
    channel.writable.on('error', () => {});
  }

  /** Resolves (never rejects) with the reason once the connection is gone. */
  get closed(): Promise<Error> {
    return this.closedPromise;
  }

  get isClosed(): boolean {
    return this.closedError !== undefined;
  }

  /** Waits for the agent's HELLO and checks the protocol version. */
  waitHello(): Promise<AgentHello> {
    if (this.hello) return Promise.resolve(this.hello);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<Frame>((resolve, reject) => (this.helloWaiter = { resolve, reject })).then((frame) => {
      const kv = decodeKv(frame.payload);
      const version = Number(kvGet(kv, 'version'));
      if (version !== PROTOCOL_VERSION)
        throw new SandboxError('start_failed', `${this.options.label}: agent speaks protocol ${version}, host ${PROTOCOL_VERSION}`);
      this.hello = { version, pid: Number(kvGet(kv, 'pid')), mode: kvGet(kv, 'mode') === 'vm' ? 'vm' : 'plain' };
      // a supervisor's replayed HELLO says where earlier servers' channels end (their execs may still run)
      const next = Number(kvGet(kv, 'next_channel') ?? 1);
      if (Number.isSafeInteger(next) && next > this.nextChannel) this.nextChannel = next;
      return this.hello;
    });
  }

  /** VM mode: sends the guest setup and waits for READY. */
  setup(pairs: KvPairs): Promise<void> {
    return this.request(0, HostFrame.SETUP, encodeKv(pairs), 'guest setup', (frame, done, fail) => {
      if (frame.type === AgentFrame.READY) done();
      else if (frame.type === AgentFrame.ERROR) fail(agentError(frame.payload, this.options.label, 'guest setup'));
    });
  }

  exec(req: AgentExecRequest): Promise<AgentExec> {
    const channel = this.allocate();
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
      if (this.closedError || !this.handlers.has(channel)) return;
      const buffered = stdout.readableLength + stderr.readableLength;
      const delta = received - buffered - granted;
      if (delta >= GRANT_STEP || (delta > 0 && buffered === 0)) {
        granted += delta;
        this.send(HostFrame.WINDOW, channel, encodeWindow(delta));
      }
    };
    const stdout: OutputStream = new OutputStream(grant);
    const stderr: OutputStream = new OutputStream(grant);
    let settleExit: { resolve: (r: AgentExecResult) => void; reject: (e: Error) => void } | undefined;
    const exited = new Promise<AgentExecResult>((resolve, reject) => (settleExit = { resolve, reject }));
    exited.catch(() => {}); // observed through wait()
    return new Promise<AgentExec>((resolve, reject) => {
      if (this.closedError) return reject(this.closedError);
      let started = false;
      const finish = (err?: Error, result?: AgentExecResult) => {
        this.handlers.delete(channel);
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
      this.handlers.set(channel, (frame) => {
        switch (frame.type) {
          case AgentFrame.STARTED: {
            started = true;
            const pid = Number(kvGet(decodeKv(frame.payload), 'pid'));
            resolve(this.makeExec(channel, pid, stdout, stderr, exited));
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
            finish(agentError(frame.payload, this.options.label, `exec ${req.argv[0]}`));
            break;
          case -1: // the connection died
            finish(this.closedError);
            break;
        }
      });
      this.send(HostFrame.EXEC, channel, encodeKv(pairs));
    });
  }

  private makeExec(channel: number, pid: number, stdout: Readable, stderr: Readable, exited: Promise<AgentExecResult>): AgentExec {
    const stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        if (this.closedError || !this.handlers.has(channel)) return cb();
        for (let off = 0; off < chunk.length; off += DATA_CHUNK) {
          const part = chunk.subarray(off, off + DATA_CHUNK);
          const last = off + DATA_CHUNK >= chunk.length;
          this.send(HostFrame.STDIN, channel, part, last ? cb : undefined);
        }
        if (chunk.length === 0) cb();
      },
      final: (cb) => {
        if (!this.closedError && this.handlers.has(channel)) this.send(HostFrame.STDIN, channel, Buffer.alloc(0));
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
        if (this.closedError || !this.handlers.has(channel)) return;
        const signo = typeof sig === 'number' ? sig : signalNumber(sig);
        this.send(HostFrame.SIGNAL, channel, encodeSignal(signo, group));
      },
      resize: (rows, cols) => {
        if (!this.closedError && this.handlers.has(channel)) this.send(HostFrame.RESIZE, channel, encodeResize(rows, cols));
      },
      wait: () => exited,
    };
  }

  /** Copies entries (a host file or tree) to an absolute path in the sandbox. */
  async copyIn(sandboxPath: string, entries: AsyncIterable<CopyEntry>): Promise<void> {
    const channel = this.allocate();
    let failure: Error | undefined;
    const done = new Promise<void>((resolve, reject) => {
      this.handlers.set(channel, (frame) => {
        if (frame.type === AgentFrame.OK) {
          this.handlers.delete(channel);
          resolve();
        } else if (frame.type === AgentFrame.ERROR) {
          this.handlers.delete(channel);
          failure = agentError(frame.payload, this.options.label, `copy to ${sandboxPath}`);
          reject(failure);
        } else if (frame.type === -1) {
          this.handlers.delete(channel);
          reject(this.closedError);
        }
      });
    });
    done.catch(() => {});
    await this.sendAsync(HostFrame.COPY_IN, channel, encodeKv([['path', sandboxPath]]));
    for await (const entry of entries) {
      if (failure || this.closedError) break;
      const pairs: Array<[string, string]> = [
        ['type', entry.type],
        ['path', entry.path],
        ['mode', entry.mode.toString(8)],
      ];
      if (entry.type === 'l') pairs.push(['target', entry.target]);
      await this.sendAsync(HostFrame.ENTRY, channel, encodeKv(pairs));
      if (entry.type === 'f') {
        for await (const chunk of entry.content()) {
          for (let off = 0; off < chunk.length; off += DATA_CHUNK) {
            if (this.closedError) break;
            await this.sendAsync(HostFrame.DATA, channel, chunk.subarray(off, off + DATA_CHUNK));
          }
        }
      }
    }
    if (!failure && !this.closedError) this.send(HostFrame.END, channel, Buffer.alloc(0));
    return done;
  }

  /**
   * Flow control for copy-out: the agent sends a tree as fast as the stream
   * takes it, so when the sink falls behind by COPY_BACKLOG the stream is
   * paused (the agent then blocks on its full pipe) until it catches up.
   * Memory stays bounded whatever the sink's speed.
   */
  private copyBacklog(delta: number): void {
    this.pendingCopyBytes += delta;
    const r = this.channel.readable;
    if (this.pendingCopyBytes > COPY_BACKLOG && !r.isPaused()) r.pause();
    else if (this.pendingCopyBytes <= COPY_BACKLOG / 4 && r.isPaused()) r.resume();
  }

  /** Copies a sandbox path out; the sink writes it on the host (safely). */
  copyOut(sandboxPath: string, sink: CopySink): Promise<void> {
    const channel = this.allocate();
    return new Promise<void>((resolve, reject) => {
      if (this.closedError) return reject(this.closedError);
      let chain = Promise.resolve();
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        this.handlers.delete(channel);
        chain.finally(() => sink.abort().finally(() => reject(err)));
      };
      this.handlers.set(channel, (frame) => {
        if (failed) return;
        switch (frame.type) {
          case AgentFrame.ENTRY: {
            const kv = decodeKv(frame.payload);
            const type = kvGet(kv, 'type');
            const path = kvGet(kv, 'path') ?? '';
            const mode = parseInt(kvGet(kv, 'mode') ?? '644', 8);
            const target = kvGet(kv, 'target') ?? '';
            chain = chain.then(() => sink.entry(type === 'd' || type === 'l' || type === 'f' ? type : 'f', path, mode, target));
            chain.catch(fail);
            break;
          }
          case AgentFrame.DATA: {
            const data = frame.payload;
            this.copyBacklog(data.length);
            chain = chain.then(() => sink.data(data)).finally(() => this.copyBacklog(-data.length));
            chain.catch(fail);
            break;
          }
          case AgentFrame.END:
            this.handlers.delete(channel);
            chain.then(() => sink.finish()).then(resolve, fail);
            break;
          case AgentFrame.ERROR:
            fail(agentError(frame.payload, this.options.label, `copy from ${sandboxPath}`));
            break;
          case -1:
            fail(this.closedError!);
            break;
        }
      });
      this.send(HostFrame.COPY_OUT, channel, encodeKv([['path', sandboxPath]]));
    });
  }

  /** Asks the agent to kill its commands and exit; the stream then ends. */
  shutdown(reason = 'the agent was shut down'): void {
    this.closing = true;
    this.closingReason = reason;
    if (!this.closedError) this.send(HostFrame.SHUTDOWN, 0, Buffer.alloc(0));
  }

  /** Marks the connection as closed on purpose (destroy), failing what is pending. */
  close(reason: string): void {
    this.closing = true;
    this.closingReason = reason;
    this.fail(new SandboxError('agent_died', `${this.options.label}: ${reason}`, { sandbox: this.options.label }));
  }

  private request(
    channel: number,
    type: number,
    payload: Buffer,
    what: string,
    onFrame: (frame: Frame, done: () => void, fail: (e: Error) => void) => void,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.closedError) return reject(this.closedError);
      this.handlers.set(channel, (frame) => {
        if (frame.type === -1) {
          this.handlers.delete(channel);
          reject(this.closedError ?? new Error(`${what}: connection closed`));
          return;
        }
        onFrame(
          frame,
          () => {
            this.handlers.delete(channel);
            resolve();
          },
          (e) => {
            this.handlers.delete(channel);
            reject(e);
          },
        );
      });
      this.send(type, channel, payload);
    });
  }

  private allocate(): number {
    if (this.nextChannel >= 0xffffffff) this.nextChannel = 1;
    while (this.handlers.has(this.nextChannel)) this.nextChannel++;
    return this.nextChannel++;
  }

  private send(type: number, channel: number, payload: Buffer, cb?: () => void): void {
    if (this.closedError) {
      cb?.();
      return;
    }
    this.channel.writable.write(encodeFrame(type, channel, payload), () => cb?.());
  }

  /** Sends and waits for the stream to drain: backpressure for bulk copies. */
  private sendAsync(type: number, channel: number, payload: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.closedError) return resolve();
      const ok = this.channel.writable.write(encodeFrame(type, channel, payload));
      if (ok) resolve();
      else {
        const onDone = () => {
          this.channel.writable.off('drain', onDone);
          this.channel.writable.off('close', onDone);
          resolve();
        };
        this.channel.writable.on('drain', onDone);
        this.channel.writable.on('close', onDone);
      }
    });
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      void this.onEnd(`protocol error: ${(err as Error).message}`);
      return;
    }
    for (const frame of frames) {
      if (frame.channel === 0 && frame.type === AgentFrame.HELLO) {
        this.helloWaiter?.resolve(frame);
        this.helloWaiter = undefined;
        continue;
      }
      this.handlers.get(frame.channel)?.(frame);
    }
  }

  private async onEnd(reason: string): Promise<void> {
    if (this.closedError || this.closing) {
      if (!this.closedError) this.fail(new SandboxError('agent_died', `${this.options.label}: ${this.closingReason}`, { sandbox: this.options.label }));
      return;
    }
    // Mark closed at once so no new work starts; the message is completed below.
    const err = new SandboxError('agent_died', `${this.options.label}: ${reason}`, { sandbox: this.options.label });
    this.closedError = err;
    let cause = '';
    try {
      cause = (await this.options.describeClose?.()) ?? '';
    } catch {
      /* the description is best effort */
    }
    if (cause) err.message = `${this.options.label}: agent died (${reason}): ${cause}`;
    else err.message = `${this.options.label}: agent died (${reason})`;
    this.closedError = undefined;
    this.fail(err);
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    this.helloWaiter?.reject(err);
    this.helloWaiter = undefined;
    for (const handler of [...this.handlers.values()]) handler({ type: -1, channel: 0, payload: Buffer.alloc(0) });
    this.handlers.clear();
    this.resolveClosed(err);
  }
}
