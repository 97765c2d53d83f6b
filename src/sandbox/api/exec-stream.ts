/**
 * The server side of the exec stream: a readable of NDJSON frames fed by a
 * command's stdout and stderr. It pulls: when the HTTP response stops
 * draining, both output streams are paused, so a slow client holds back the
 * command's output instead of the server buffering it.
 */
import { Readable } from 'node:stream';
import { encodeFrame, type ExecFrame } from './frames.js';

/** Silence longer than this sends a blank line, so idle connections stay open through proxies. */
const KEEPALIVE_MS = 25_000;

export interface FrameSource {
  stdout: Readable;
  stderr: Readable;
  /** the last frame (exit or error), once the command has ended */
  last: Promise<ExecFrame>;
}

export class FrameStream extends Readable {
  private readonly sources: Array<{ name: 'stdout' | 'stderr'; stream: Readable; ended: boolean }>;
  private paused = false;
  private finished = false;
  private keepalive: NodeJS.Timeout | undefined;

  constructor(first: ExecFrame[], source: FrameSource | undefined, last?: ExecFrame) {
    super({ highWaterMark: 64 * 1024 });
    for (const f of first) this.push(encodeFrame(f));
    this.sources = source
      ? [
          { name: 'stdout', stream: source.stdout, ended: false },
          { name: 'stderr', stream: source.stderr, ended: false },
        ]
      : [];
    if (!source) {
      if (last) this.push(encodeFrame(last));
      this.push(null);
      this.finished = true;
      return;
    }
    for (const s of this.sources) {
      s.stream.on('data', (chunk: Buffer) => {
        if (this.destroyed) return;
        this.touch();
        if (!this.push(encodeFrame({ stream: s.name, data: chunk.toString('base64') }))) this.pauseSources();
      });
      const ended = () => {
        if (s.ended) return;
        s.ended = true;
        if (this.sources.every((x) => x.ended)) void source.last.then((f) => this.end(f), (err) => this.end({ error: { code: 'exec_failed', message: (err as Error).message } }));
      };
      s.stream.on('end', ended);
      s.stream.on('close', ended);
      s.stream.on('error', ended);
    }
    this.touch();
  }

  private touch(): void {
    clearTimeout(this.keepalive);
    if (this.finished) return;
    this.keepalive = setTimeout(() => {
      if (!this.finished) this.push('\n');
      this.touch();
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  private pauseSources(): void {
    if (this.paused) return;
    this.paused = true;
    for (const s of this.sources) s.stream.pause();
  }

  private end(last: ExecFrame): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.keepalive);
    this.push(encodeFrame(last));
    this.push(null);
  }

  override _read(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const s of this.sources) s.stream.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.finished = true;
    clearTimeout(this.keepalive);
    // the client went away: let the command's output flow (and be dropped) so nothing stalls
    for (const s of this.sources) s.stream.resume();
    cb(err);
  }
}
