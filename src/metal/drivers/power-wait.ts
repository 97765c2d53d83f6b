import { DriverError } from './errors.js';
import type { PowerState } from './types.js';

/** Ironic's [conductor]power_state_change_timeout. */
export const DEFAULT_POWER_TIMEOUT_MS = 60_000;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Polls `read` until it reports `target` (Ironic's node_wait_for_power_state).
 * Errors from `read` that are retryable are tolerated until the deadline; the
 * last one becomes the cause of the timeout.
 */
export async function waitForPowerState(
  read: () => Promise<PowerState>,
  target: PowerState,
  opts: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal; what?: string } = {},
): Promise<PowerState> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_POWER_TIMEOUT_MS;
  const interval = opts.intervalMs ?? 500;
  const deadline = Date.now() + timeoutMs;
  let last: PowerState | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      lastError = undefined;
      if (last === target) return last;
    } catch (err) {
      if (!(err instanceof DriverError) || !err.retryable) throw err;
      lastError = err;
    }
    if (Date.now() + interval > deadline) break;
    await sleep(interval, opts.signal);
  }
  throw new DriverError(
    'timeout',
    `${opts.what ?? 'node'} did not reach "${target}" within ${Math.round(timeoutMs / 1000)} s` + (last ? ` (last seen: "${last}")` : ''),
    { cause: lastError },
  );
}
