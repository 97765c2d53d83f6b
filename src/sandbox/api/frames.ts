/**
 * The exec stream protocol, shared by the server and its clients: the
 * response to an exec (or a one-shot run) is NDJSON, one frame a line:
 *
 *   {"sandbox":"…","exec":"…","pid":12}            the command started
 *   {"stream":"stdout","data":"<base64>"}          output, in order per stream
 *   {"exit":0,"signal":null,"timedOut":false,…}    the last frame: how it ended
 *   {"error":{"code":"agent_died","message":"…"}}  the last frame when the
 *                                                  sandbox failed under it
 *
 * Blank lines are keep-alives. Stdin, signals and terminal sizes go the
 * other way as separate requests naming the exec id (docs/sandbox-api.md).
 */

export interface StartedFrame {
  sandbox: string;
  exec: string;
  pid: number;
}

export interface OutputFrame {
  stream: 'stdout' | 'stderr';
  /** base64 */
  data: string;
}

export interface ExitFrame {
  /** the exit code, or null when a signal ended the command */
  exit: number | null;
  signal: string | null;
  timedOut: boolean;
  oomKilled?: boolean;
  durationMs: number;
  /** set when the command never ran: command_not_found, cwd_not_found, exec_failed */
  reason?: string;
}

export interface ErrorFrame {
  error: { code: string; message: string };
}

export type ExecFrame = StartedFrame | OutputFrame | ExitFrame | ErrorFrame;

export const isStarted = (f: ExecFrame): f is StartedFrame => 'exec' in f && 'pid' in f;
export const isOutput = (f: ExecFrame): f is OutputFrame => 'stream' in f;
export const isExit = (f: ExecFrame): f is ExitFrame => 'exit' in f;
export const isError = (f: ExecFrame): f is ErrorFrame => 'error' in f;

export function encodeFrame(frame: ExecFrame): string {
  return JSON.stringify(frame) + '\n';
}

/** Exit codes of a command that never ran, as shells give them. */
export const NOT_FOUND_EXIT = 127;
export const CANNOT_RUN_EXIT = 126;
/** Strata itself failed (the sandbox died, the server went away), as `docker run` says 125. */
export const STRATA_FAILED_EXIT = 125;
/** The command ran past its timeout (as coreutils `timeout` says it). */
export const TIMED_OUT_EXIT = 124;

const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10,
  SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19,
  SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28,
  SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
};

/** Linux signal numbers by name (the sandbox's numbering, whatever the client's OS). */
export function signalNumberOf(name: string): number | undefined {
  return SIGNALS[name];
}

/** The exit status a shell would give: the code, 128+N for signal N, 124 for a timeout. */
export function shellStatus(f: ExitFrame): number {
  if (f.timedOut) return TIMED_OUT_EXIT;
  if (f.exit !== null) return f.exit;
  const n = f.signal ? signalNumberOf(f.signal) : undefined;
  return n === undefined ? STRATA_FAILED_EXIT : 128 + n;
}

/**
 * Splits a byte stream into frames. Tolerates any chunking; a line that is
 * not JSON is a protocol error naming its position.
 */
export async function* decodeFrames(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<ExecFrame> {
  const decoder = new TextDecoder();
  let pending = '';
  let line = 0;
  const parse = (text: string): ExecFrame | undefined => {
    line++;
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as ExecFrame;
    } catch {
      throw new Error(`exec stream: line ${line} is not a JSON frame: ${text.slice(0, 80)}`);
    }
  };
  for await (const chunk of chunks) {
    pending += decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl: number;
    while ((nl = pending.indexOf('\n', start)) >= 0) {
      const f = parse(pending.slice(start, nl));
      start = nl + 1;
      if (f) yield f;
    }
    pending = pending.slice(start);
  }
  pending += decoder.decode();
  if (pending.trim() !== '') {
    const f = parse(pending);
    if (f) yield f;
  }
}
