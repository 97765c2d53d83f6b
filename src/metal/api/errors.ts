/**
 * Ironic's error body: `{"error_message": "<JSON string>"}` whose inner JSON
 * holds `faultcode`, `faultstring` and `debuginfo` (ironic/api/method.py and
 * middleware/parsable_error.py). python-ironicclient reads `faultstring` and
 * prints it; so the message is the whole user experience of a failure.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { classify, StrataError } from '../../core/index.js';
import { DriverError } from '../drivers/index.js';
import { rangeHeaders, VersionError } from './version.js';

export function errorBody(status: number, message: string): { error_message: string } {
  return { error_message: JSON.stringify({ faultcode: status >= 500 ? 'Server' : 'Client', faultstring: message, debuginfo: null }) };
}

/** Maps what a route throws to a status and an Ironic error body; bad input is never a 500. */
export function ironicErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  let e: StrataError;
  if (err instanceof DriverError) {
    // Driver failures during a synchronous call read as Ironic's InvalidParameterValue / driver errors.
    e = err.status < 500 ? err : new StrataError(err.message, { status: err.kind === 'unreachable' || err.kind === 'timeout' || err.kind === 'busy' ? 503 : 500, code: err.code });
  } else {
    e = classify(err);
  }
  let message = e.message;
  const fastifyCode = (err as { code?: string })?.code;
  if (fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError) {
    message = `Invalid JSON in the request body: ${(err as Error).message}`;
  }
  if (e.status >= 500) {
    req.log.error({ err }, 'baremetal API request failed');
    if (!(err instanceof StrataError)) message = 'Internal server error; see the server log.';
  }
  if (err instanceof VersionError) void reply.headers(rangeHeaders());
  return reply.status(e.status).type('application/json').send(errorBody(e.status, message));
}
