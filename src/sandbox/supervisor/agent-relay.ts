/**
 * The supervisor's side of the agent's byte stream. The agent speaks one
 * protocol session for its whole life, but servers come and go: the relay
 * keeps that session and lends it to one server connection at a time.
 *
 * - The agent's HELLO is kept and replayed to every server that attaches,
 *   with `next_channel` added so a new server never reuses a channel id an
 *   earlier one opened (its execs may still be running in the sandbox).
 * - Each channel belongs to the attachment that opened it. Output of a
 *   channel whose server is gone (an orphan) is not dropped on the floor
 *   silently: it goes to `onOrphanOutput`, and the relay grants the agent
 *   the window the lost server would have, so the command never stalls.
 *
 * Pure stream logic: the supervisor gives it the agent's writable side and
 * feeds it what the agent and the attached server send.
 */
import type { Writable } from 'node:stream';
import { AgentFrame, FrameDecoder, HostFrame, decodeKv, encodeFrame, encodeKv, encodeWindow, type Frame } from '../agent/protocol.js';

export interface RelayClient {
  write(chunk: Buffer): unknown;
  end(): unknown;
}

export interface OrphanOutput {
  channel: number;
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

export class AgentRelay {
  private hello: Buffer | undefined;
  private client: RelayClient | undefined;
  private clientDecoder = new FrameDecoder();
  private attachment = 0;
  private readonly owner = new Map<number, number>();
  /** exec channels not yet ended (copies end on their own and are not listed) */
  private readonly execs = new Set<number>();
  private maxChannel = 0;
  private readonly fromAgentDecoder = new FrameDecoder();

  constructor(
    private readonly toAgent: Writable,
    private readonly onOrphanOutput: (o: OrphanOutput) => void = () => {},
    private readonly onOrphanExit: (channel: number, payload: Buffer) => void = () => {},
  ) {}

  /** A server attaches; the previous one (if any) is cut off and its channels become orphans. */
  attach(client: RelayClient): number {
    this.client?.end();
    this.client = client;
    this.clientDecoder = new FrameDecoder();
    this.attachment++;
    if (this.hello) client.write(this.helloFor());
    return this.attachment;
  }

  /** The attached server went away (its connection closed). */
  detach(client: RelayClient): void {
    if (this.client === client) this.client = undefined;
  }

  /** Bytes from the attached server to the agent; throws on a protocol error (the caller drops that server). */
  fromClient(client: RelayClient, chunk: Buffer): void {
    if (client !== this.client) return; // a replaced server's late bytes
    for (const f of this.clientDecoder.push(chunk)) {
      if (f.channel !== 0 && !this.owner.has(f.channel)) {
        this.owner.set(f.channel, this.attachment);
        this.maxChannel = Math.max(this.maxChannel, f.channel);
      }
      if (f.channel !== 0 && this.owner.get(f.channel) !== this.attachment) continue; // not this server's channel
      if (f.type === HostFrame.EXEC) this.execs.add(f.channel);
      this.toAgent.write(encodeFrame(f.type, f.channel, f.payload));
    }
  }

  /** Bytes from the agent, routed to the attached server or to the orphan handlers. */
  fromAgent(chunk: Buffer): void {
    for (const f of this.fromAgentDecoder.push(chunk)) this.route(f);
  }

  /** Channels opened so far (ids are never reused across servers). */
  get channelsOpened(): number {
    return this.maxChannel;
  }

  /** Exec channels of servers gone (or replaced) that have not ended. */
  orphanExecs(): number[] {
    return [...this.execs].filter((c) => this.owner.get(c) !== this.attachment || !this.client);
  }

  private route(f: Frame): void {
    if (f.type === AgentFrame.EXIT) this.execs.delete(f.channel);
    if (f.type === AgentFrame.HELLO && f.channel === 0 && !this.hello) {
      this.hello = f.payload;
      this.client?.write(this.helloFor());
      return;
    }
    const owner = f.channel === 0 ? this.attachment : this.owner.get(f.channel);
    if (owner === this.attachment && this.client) {
      this.client.write(encodeFrame(f.type, f.channel, f.payload));
      return;
    }
    if (f.type === AgentFrame.STDOUT || f.type === AgentFrame.STDERR) {
      this.onOrphanOutput({ channel: f.channel, stream: f.type === AgentFrame.STDOUT ? 'stdout' : 'stderr', data: f.payload });
      // grant what the gone server would have granted, so the command keeps running
      if (f.payload.length) this.toAgent.write(encodeFrame(HostFrame.WINDOW, f.channel, encodeWindow(f.payload.length)));
    } else if (f.type === AgentFrame.EXIT) {
      this.onOrphanExit(f.channel, f.payload);
      this.owner.delete(f.channel);
    }
  }

  private helloFor(): Buffer {
    const pairs = decodeKv(this.hello!).filter(([k]) => k !== 'next_channel');
    pairs.push(['next_channel', String(this.maxChannel + 1)]);
    return encodeFrame(AgentFrame.HELLO, 0, encodeKv(pairs));
  }
}
