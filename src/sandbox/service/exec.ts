/**
 * Commands in sandboxes: an exec streams its output as NDJSON frames and
 * takes stdin, signals and terminal sizes by its id while it runs; the
 * one-shot run creates a sandbox for one command and discards it when the
 * stream ends (or its client goes away).
 */
import { ConflictError, InvalidInputError, NotFoundError, type Principal } from '../../core/index.js';
import type { Exec } from '../manager/index.js';
import { isSandboxError, parseDuration } from '../model/index.js';
import { plain } from '../api/errors.js';
import { FrameStream } from '../api/exec-stream.js';
import { CANNOT_RUN_EXIT, NOT_FOUND_EXIT, signalNumberOf, type ExecFrame, type ExitFrame } from '../api/frames.js';
import { newId } from '../api/ids.js';
import type { LiveSandbox, Sandboxes } from './records.js';
import type { ExecRequest, RunRequest } from './requests.js';
import type { ExecStart } from './views.js';

interface LiveExec {
  id: string;
  sandboxId: string;
  exec: Exec;
  stdinBusy: boolean;
  stdinClosed: boolean;
  done: boolean;
  ended: Promise<void>;
}

export class Execs {
  private readonly execs = new Map<string, LiveExec>();

  constructor(private readonly sandboxes: Sandboxes) {}

  async exec(caller: Principal, id: string, req: ExecRequest): Promise<ExecStart> {
    const live = await this.sandboxes.running(caller, id, 'exec');
    return this.start(live, req);
  }

  private async start(live: LiveSandbox, req: ExecRequest): Promise<ExecStart> {
    let exec: Exec;
    try {
      exec = await live.sandbox.exec(req.command, { env: req.env, cwd: req.cwd, tty: req.tty, timeout: req.timeout });
    } catch (err) {
      // a command that cannot start answers as a shell would: a message on stderr, 127 or 126
      const notRun = isSandboxError(err, 'command_not_found') || isSandboxError(err, 'cwd_not_found') || isSandboxError(err, 'exec_failed');
      if (!notRun) throw err;
      const e = err as Error & { code: string; details: Record<string, unknown> };
      const notFound = e.code === 'command_not_found' && e.details.errno !== 'EACCES';
      const message = notFound ? `strata: ${req.command[0]}: command not found\n` : `strata: ${plain(e.message)}\n`;
      const exit: ExitFrame = { exit: notFound ? NOT_FOUND_EXIT : CANNOT_RUN_EXIT, signal: null, timedOut: false, durationMs: 0, reason: e.code };
      return { stream: new FrameStream([{ stream: 'stderr', data: Buffer.from(message).toString('base64') }], undefined, exit), abandon: () => {} };
    }
    const execId = newId();
    let markEnded!: () => void;
    const entry: LiveExec = {
      id: execId,
      sandboxId: live.record.id,
      exec,
      stdinBusy: false,
      stdinClosed: !req.stdin,
      done: false,
      ended: new Promise<void>((r) => (markEnded = r)),
    };
    if (!req.stdin) exec.stdin.end();
    this.execs.set(execId, entry);
    live.execs++;
    const last: Promise<ExecFrame> = exec.wait().then(
      (r): ExecFrame => ({ exit: r.exitCode, signal: r.signal, timedOut: r.timedOut, ...(r.oomKilled !== undefined ? { oomKilled: r.oomKilled } : {}), durationMs: r.durationMs }),
      (err): ExecFrame => ({ error: { code: (err as { code?: string }).code ?? 'exec_failed', message: plain((err as Error).message) } }),
    );
    void last.finally(() => {
      entry.done = true;
      markEnded();
      this.execs.delete(execId);
      live.execs--;
      void this.sandboxes.sync(live).catch(() => undefined);
    });
    const stream = new FrameStream([{ sandbox: live.record.id, exec: execId, pid: exec.pid }], { stdout: exec.stdout, stderr: exec.stderr, last });
    const abandon = () => {
      if (entry.done) return;
      exec.signal('SIGKILL', { group: true });
      exec.stdin.end();
    };
    // the stream closes before the command ended only when its client went away
    stream.once('close', abandon);
    return { stream, execId, abandon };
  }

  private async liveExec(caller: Principal, id: string, execId: string): Promise<LiveExec> {
    await this.sandboxes.find(caller, id);
    const e = this.execs.get(execId);
    if (!e || e.sandboxId !== id) throw new NotFoundError(`no running exec ${execId} in sandbox ${id}`, { sandbox: id, exec: execId });
    return e;
  }

  /** Writes a request body to an exec's stdin (with backpressure); `eof` closes stdin after it. */
  async stdin(caller: Principal, id: string, execId: string, body: AsyncIterable<Buffer>, eof: boolean): Promise<{ bytes: number; closed: boolean }> {
    const e = await this.liveExec(caller, id, execId);
    if (e.stdinClosed) throw new ConflictError(`stdin of exec ${execId} is closed (start the exec with "stdin": true to write to it)`);
    if (e.stdinBusy) throw new ConflictError(`another request is writing to the stdin of exec ${execId}`);
    e.stdinBusy = true;
    let bytes = 0;
    try {
      for await (const chunk of body) {
        if (e.done) continue; // the command ended: the rest is read and dropped
        bytes += chunk.length;
        if (!e.exec.stdin.write(chunk))
          await new Promise<void>((resolve) => {
            const done = () => {
              e.exec.stdin.off('drain', done);
              resolve();
            };
            e.exec.stdin.on('drain', done);
            void e.ended.then(done);
          });
      }
    } finally {
      e.stdinBusy = false;
    }
    if (eof && !e.stdinClosed) {
      e.stdinClosed = true;
      e.exec.stdin.end();
    }
    return { bytes, closed: e.stdinClosed };
  }

  async signal(caller: Principal, id: string, execId: string, signal: string | number, group: boolean): Promise<void> {
    const e = await this.liveExec(caller, id, execId);
    if (typeof signal === 'string' && signalNumberOf(signal) === undefined) throw new InvalidInputError(`unknown signal ${JSON.stringify(signal)} (use a name such as SIGINT, SIGTERM or SIGKILL)`);
    if (typeof signal === 'number' && (!Number.isInteger(signal) || signal < 1 || signal > 64)) throw new InvalidInputError(`signal number ${signal} is out of range (1-64)`);
    e.exec.signal(signal as NodeJS.Signals | number, { group });
  }

  async resize(caller: Principal, id: string, execId: string, rows: number, cols: number): Promise<void> {
    (await this.liveExec(caller, id, execId)).exec.resize(rows, cols);
  }

  /** One-shot: create, exec, destroy when the stream ends (or the client goes away). */
  async run(caller: Principal, req: RunRequest): Promise<ExecStart> {
    const { command, cwd, tty, stdin, timeout, ...spec } = req;
    // the sandbox outlives a timed-out command by a margin only, should the kill itself hang
    const lifetime = timeout === undefined ? undefined : `${Math.ceil(parseDuration(timeout, 'timeout') / 1000) + 30}s`;
    const live = await this.sandboxes.launch(caller, { ...spec, ...(lifetime ? { timeout: lifetime } : {}) }, true);
    const discard = () => this.sandboxes.discard(live).catch((err) => this.sandboxes.log.warn({ sandbox: live.record.id, err }, 'discarding a one-shot sandbox'));
    let started: ExecStart;
    try {
      started = await this.start(live, { command, cwd, tty, stdin, timeout });
    } catch (err) {
      await discard();
      throw err;
    }
    started.stream.once('close', () => void discard());
    return started;
  }
}
