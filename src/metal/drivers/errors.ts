import { StrataError } from '../../core/errors/index.js';

/**
 * Why a driver call failed. The conductor decides on `retryable`: retry the
 * call (and, for power sync, count failures towards `fault: power failure`),
 * or stop and record last_error.
 *
 * - missing-parameter / invalid-parameter: driver_info is wrong (Ironic's
 *   MissingParameterValue / InvalidParameterValue; 400).
 * - unsupported: the interface does not do that (UnsupportedDriverExtension; 400).
 * - unreachable: no answer from the BMC address (refused, no route, no reply); retryable.
 * - timeout: the BMC accepted a request but the node did not get there in time,
 *   or a call exceeded its deadline; retryable.
 * - busy: the BMC asked us to come back later (IPMI "Node busy", HTTP 503); retryable.
 * - auth: the BMC rejected the credentials; permanent until driver_info changes.
 * - bmc-error: the BMC answered with an error we cannot fix by retrying.
 */
export type DriverErrorKind = 'missing-parameter' | 'invalid-parameter' | 'unsupported' | 'unreachable' | 'timeout' | 'busy' | 'auth' | 'bmc-error';

const RETRYABLE: ReadonlySet<DriverErrorKind> = new Set(['unreachable', 'timeout', 'busy']);

const STATUS: Record<DriverErrorKind, number> = {
  'missing-parameter': 400,
  'invalid-parameter': 400,
  unsupported: 400,
  unreachable: 503,
  timeout: 503,
  busy: 503,
  auth: 502,
  'bmc-error': 502,
};

export class DriverError extends StrataError {
  readonly kind: DriverErrorKind;
  readonly retryable: boolean;

  constructor(kind: DriverErrorKind, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { status: STATUS[kind], code: `driver_${kind.replace(/-/g, '_')}`, cause: opts.cause, details: opts.details });
    this.kind = kind;
    this.retryable = RETRYABLE.has(kind);
  }
}

export const missingParameter = (node: string, keys: string[], what = 'driver_info') =>
  new DriverError('missing-parameter', `Missing the following ${what} properties on node ${node}: ${keys.join(', ')}`, { details: { keys } });

export const invalidParameter = (node: string, key: string, why: string) =>
  new DriverError('invalid-parameter', `Invalid value for driver_info/${key} on node ${node}: ${why}`, { details: { key } });

export const unsupported = (driver: string, kind: string, what?: string) =>
  new DriverError('unsupported', `Driver ${driver} does not support ${what ?? kind} (disabled or not implemented).`, { details: { interface: kind } });

/** True for failures worth retrying (unreachable BMC, timeouts, busy BMC). */
export function isRetryable(err: unknown): boolean {
  return err instanceof DriverError && err.retryable;
}
