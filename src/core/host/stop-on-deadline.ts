/**
 * Ends a running command when its time is up or its caller gives up: a
 * polite signal first, then, after a grace period, the one it cannot
 * ignore. The three places that run a build's steps (host processes,
 * sandboxes, ansible-playbook) share it; each says how to signal its command.
 */
export interface Deadline {
  /** the timeout fired */
  readonly timedOut: boolean;
  /** the caller's signal aborted */
  readonly aborted: boolean;
  /** the command ended: no more signals, no timers left */
  dispose(): void;
}

export function stopOnDeadline(opts: {
  /** null: no timeout */
  timeoutMs: number | null;
  signal: AbortSignal;
  graceMs: number;
  /** asks the command to stop (SIGTERM to its group) */
  term(): void;
  /** ends it (SIGKILL to its group) */
  kill(): void;
}): Deadline {
  let timedOut = false;
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    opts.term();
    killTimer ??= setTimeout(opts.kill, opts.graceMs);
  };
  const timer =
    opts.timeoutMs === null
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          stop();
        }, Math.max(0, opts.timeoutMs));
  const onAbort = () => {
    aborted = true;
    stop();
  };
  opts.signal.addEventListener('abort', onAbort, { once: true });
  return {
    get timedOut() {
      return timedOut;
    },
    get aborted() {
      return aborted;
    },
    dispose() {
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal.removeEventListener('abort', onAbort);
    },
  };
}
