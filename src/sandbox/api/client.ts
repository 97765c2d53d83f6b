/**
 * The client side of the sandbox API, for the CLI (and tests): run an exec
 * stream to its end, writing output to local streams with backpressure,
 * feeding local stdin to the command and forwarding signals; copy files and
 * trees in and out as tar. Only frames.ts and tar.ts are imported here: the
 * CLI loads this file on demand.
 */
import { createReadStream } from 'node:fs';
import { lstat, mkdir, stat } from 'node:fs/promises';
import { basename, dirname, posix, resolve } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { decodeFrames, isError, isExit, isOutput, isStarted, shellStatus, STRATA_FAILED_EXIT, type ExitFrame, type StartedFrame } from './frames.js';
import { extractTar, hostPathEntries, tarStream } from '../../core/tar/index.js';

export const API = '/sandbox/api/v1';

/** What the client needs of core's ApiClient (its fetch throws on non-2xx with the server's reason). */
export interface Fetcher {
  fetch(
    method: string,
    path: string,
    opts?: {
      body?: unknown;
      query?: Record<string, string | number | boolean | undefined>;
      headers?: Record<string, string>;
      signal?: AbortSignal;
      stream?: ReadableStream | NodeJS.ReadableStream;
    },
  ): Promise<Response>;
}

export interface ExecOutcome {
  started?: StartedFrame;
  exit?: ExitFrame;
  error?: { code: string; message: string };
  /** the status a shell would give: the command's code, 128+N, 124 on timeout, 125 when Strata failed */
  status: number;
}

export interface StreamExecOptions {
  /** /sandbox/api/v1/run or /sandbox/api/v1/sandboxes/ID/exec */
  path: string;
  body: Record<string, unknown>;
  stdout: Writable;
  stderr: Writable;
  /** local stdin to feed the command (the body must ask for "stdin": true) */
  stdin?: NodeJS.ReadableStream;
  onStarted?(started: StartedFrame, control: ExecControl): void;
}

export interface ExecControl {
  signal(signal: string, group?: boolean): Promise<void>;
  resize(rows: number, cols: number): Promise<void>;
}

function write(out: Writable, data: Buffer): Promise<void> | undefined {
  if (out.write(data)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/** Runs one exec stream to its end. HTTP errors before the stream starts are thrown (ApiError). */
export async function streamExec(client: Fetcher, opts: StreamExecOptions): Promise<ExecOutcome> {
  const res = await client.fetch('POST', opts.path, { body: opts.body });
  if (!res.body) throw new Error(`POST ${opts.path}: the server sent no exec stream`);
  const outcome: ExecOutcome = { status: STRATA_FAILED_EXIT };
  const pump = new AbortController();
  let pumping: Promise<unknown> | undefined;
  try {
    for await (const f of decodeFrames(res.body as unknown as AsyncIterable<Uint8Array>)) {
      if (isOutput(f)) {
        const wait = write(f.stream === 'stderr' ? opts.stderr : opts.stdout, Buffer.from(f.data, 'base64'));
        if (wait) await wait;
      } else if (isStarted(f)) {
        outcome.started = f;
        const base = `${API}/sandboxes/${f.sandbox}/execs/${f.exec}`;
        const control: ExecControl = {
          signal: async (signal, group = true) => {
            await client.fetch('POST', `${base}/signal`, { body: { signal, group } }).catch(() => undefined);
          },
          resize: async (rows, cols) => {
            await client.fetch('POST', `${base}/resize`, { body: { rows, cols } }).catch(() => undefined);
          },
        };
        if (opts.stdin) {
          const source = Readable.toWeb(Readable.from(opts.stdin as AsyncIterable<Buffer>)) as unknown as ReadableStream;
          pumping = client
            .fetch('POST', `${base}/stdin`, { stream: source, query: { eof: true }, headers: { 'content-type': 'application/octet-stream' }, signal: pump.signal })
            .then((r) => r.arrayBuffer())
            .catch(() => undefined); // the command may end (and its exec id with it) before stdin does
        }
        opts.onStarted?.(f, control);
      } else if (isExit(f)) {
        outcome.exit = f;
        outcome.status = shellStatus(f);
      } else if (isError(f)) {
        outcome.error = f.error;
        outcome.status = STRATA_FAILED_EXIT;
      }
    }
  } catch (err) {
    if (!outcome.exit && !outcome.error) outcome.error = { code: 'stream_failed', message: `the exec stream broke off: ${(err as Error).message}` };
  } finally {
    pump.abort();
    void pumping;
  }
  if (!outcome.exit && !outcome.error) outcome.error = { code: 'stream_failed', message: 'the exec stream ended without an exit status' };
  return outcome;
}

// ------------------------------------------------------------ copy

export interface RemotePath {
  sandbox: string;
  path: string;
}

/** `ID:/path` names a path in a sandbox; anything else is local. */
export function parseCopyArg(arg: string): RemotePath | undefined {
  const m = /^([a-z2-7]{24}):(.*)$/.exec(arg);
  if (!m) return undefined;
  if (!m[2]!.startsWith('/')) throw new Error(`${arg}: the path in the sandbox must be absolute (ID:/path)`);
  return { sandbox: m[1]!, path: m[2]! };
}

export interface CopyResult {
  from: string;
  to: string;
  entries?: number;
  bytes?: number;
}

/**
 * Copies a local file or tree into a sandbox. DST is the copy's own path,
 * or, ending in "/", the directory it goes into (as cp does). "-" reads a
 * tar archive from stdin and unpacks it under DST.
 */
export async function copyIn(client: Fetcher, src: string, dst: RemotePath, stdin: NodeJS.ReadableStream = process.stdin): Promise<CopyResult> {
  const files = `${API}/sandboxes/${dst.sandbox}/files`;
  const toText = `${dst.sandbox}:${dst.path}`;
  if (src === '-') {
    const r = await client.fetch('PUT', files, { query: { path: dst.path }, headers: { 'content-type': 'application/x-tar' }, stream: web(Readable.from(stdin as AsyncIterable<Buffer>)) });
    return { from: '-', to: toText, ...((await r.json()) as object) };
  }
  const st = await lstat(src).catch(() => {
    throw new Error(`${src}: no such file or directory`);
  });
  const target = dst.path.endsWith('/') ? posix.join(dst.path, basename(resolve(src))) : dst.path;
  let r: Response;
  if (st.isFile()) {
    r = await client.fetch('PUT', files, {
      query: { path: target, mode: (st.mode & 0o7777).toString(8).padStart(4, '0') },
      headers: { 'content-type': 'application/octet-stream' },
      stream: web(createReadStream(src)),
    });
  } else {
    if (target === '/') throw new Error('cp: copy into a directory below / (give DST as ID:/dir/)');
    const entries = hostPathEntries(src, posix.basename(target));
    r = await client.fetch('PUT', files, { query: { path: posix.dirname(target) }, headers: { 'content-type': 'application/x-tar' }, stream: web(Readable.from(tarStream(entries))) });
  }
  const body = (await r.json()) as { entries?: number; bytes?: number };
  return { from: src, to: `${dst.sandbox}:${target}`, entries: body.entries, bytes: body.bytes };
}

/**
 * Copies a sandbox file or tree out. DST is the copy's own path, or an
 * existing directory (or one ending in "/") it goes into. "-" writes the
 * tar archive to stdout.
 */
export async function copyOut(client: Fetcher, src: RemotePath, dst: string, stdout: Writable = process.stdout): Promise<CopyResult> {
  const res = await client.fetch('GET', `${API}/sandboxes/${src.sandbox}/files`, { query: { path: src.path } });
  const body = res.body as unknown as AsyncIterable<Uint8Array>;
  const fromText = `${src.sandbox}:${src.path}`;
  if (dst === '-') {
    for await (const chunk of body) {
      const wait = write(stdout, Buffer.from(chunk));
      if (wait) await wait;
    }
    return { from: fromText, to: '-' };
  }
  const into = dst.endsWith('/') || (await stat(dst).catch(() => undefined))?.isDirectory();
  const name = posix.basename(src.path.replace(/\/+$/, ''));
  const final = resolve(into ? resolve(dst, name) : dst);
  if (dst.endsWith('/')) await mkdir(dst, { recursive: true });
  const parent = dirname(final);
  if (!(await stat(parent).catch(() => undefined))?.isDirectory()) throw new Error(`${parent}: no such directory`);
  const r = await extractTar(body, parent, {
    rename: (parts) => {
      if (parts.length && parts[0] !== name) throw new Error(`the archive from ${fromText} holds ${parts.join('/')}, outside ${name}`);
      return parts.length ? [basename(final), ...parts.slice(1)] : parts;
    },
  });
  return { from: fromText, to: final, entries: r.entries, bytes: r.bytes };
}

function web(stream: NodeJS.ReadableStream | Readable): ReadableStream {
  return Readable.toWeb(stream instanceof Readable ? stream : Readable.from(stream as AsyncIterable<Buffer>)) as unknown as ReadableStream;
}
