/**
 * The host side of one agent connection: multiplexes execs and copies over a
 * single byte stream (pipes to bwrap/runc/runsc, or QEMU's virtio-serial
 * socket). One channel id per exec or copy; channel 0 is the control channel.
 */
import type { Readable, Writable } from 'node:stream';
import { SandboxError } from '../model/errors.js';
import { AgentFrame, FrameDecoder, HostFrame, PROTOCOL_VERSION, decodeKv, encodeFrame, encodeKv, kvGet, type Frame, type KvPairs } from './protocol.js';
import { agentError, type AgentLink, type ChannelHandler } from './agent-link.js';
import { startExec, type AgentExec, type AgentExecRequest } from './agent-exec.js';
import { copyInOver, copyOutOver } from './agent-copy.js';
import type { CopyEntry, CopySink } from './copy-tree.js';

export type { AgentExec, AgentExecRequest, AgentExecResult } from './agent-exec.js';

export interface AgentChannel {
  readable: Readable;
  writable: Writable;
}

export interface AgentHello {
  version: number;
  pid: number;
  mode: 'plain' | 'vm';
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

/** Copy-out data the host holds before it stops reading the agent's stream. */
const COPY_BACKLOG = 8 * 1024 * 1024;

interface Pending {
  resolve: (frame: Frame) => void;
  reject: (err: Error) => void;
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
  /** what the exec and copy flows use of this connection */
  private readonly link: AgentLink;

  constructor(
    private readonly channel: AgentChannel,
    private readonly options: AgentClientOptions,
  ) {
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.link = {
      label: options.label,
      closedError: () => this.closedError,
      allocate: () => this.allocate(),
      on: (channel, handler) => void this.handlers.set(channel, handler),
      off: (channel) => void this.handlers.delete(channel),
      isOpen: (channel) => this.handlers.has(channel),
      send: (type, channel, payload, cb) => this.send(type, channel, payload, cb),
      sendAsync: (type, channel, payload) => this.sendAsync(type, channel, payload),
      copyBacklog: (delta) => this.copyBacklog(delta),
    };
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
    return startExec(this.link, req);
  }

  /** Copies entries (a host file or tree) to an absolute path in the sandbox. */
  copyIn(sandboxPath: string, entries: AsyncIterable<CopyEntry>): Promise<void> {
    return copyInOver(this.link, sandboxPath, entries);
  }

  /** Copies a sandbox path out; the sink writes it on the host (safely). */
  copyOut(sandboxPath: string, sink: CopySink): Promise<void> {
    return copyOutOver(this.link, sandboxPath, sink);
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
