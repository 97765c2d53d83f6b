/**
 * Cyborg's error body (wsme, as Ironic's): `{"error_message": "<JSON>"}`
 * whose inner JSON has faultcode, faultstring and debuginfo; the client
 * prints faultstring. Bad input is a 4xx, never a 500.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { classify, StrataError } from '../../core/index.js';

export function errorBody(status: number, message: string): { error_message: string } {
  return { error_message: JSON.stringify({ faultcode: status >= 500 ? 'Server' : 'Client', faultstring: message, debuginfo: null }) };
}

export function cyborgErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = classify(err);
  let message = e.message;
  const code = (err as { code?: string })?.code;
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError) message = `Invalid JSON in the request body: ${(err as Error).message}`;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = 'The request body is too large.';
  if (e.status >= 500) {
    req.log.error({ err }, 'accelerator API request failed');
    if (!(err instanceof StrataError)) message = 'Internal server error; see the server log.';
  }
  return reply.status(e.status).type('application/json').send(errorBody(e.status, message));
}
