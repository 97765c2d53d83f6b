import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { StrataError, toStrataError } from '../errors/index.js';

/**
 * Maps anything a route throws to a StrataError with a 4xx status where the
 * client is at fault (Fastify's body parsing, Ajv validation, size limits),
 * so bad input never answers 500. Unexpected errors are logged and answered
 * without internals.
 */
export function classify(err: unknown): StrataError {
  const e = err as FastifyError;
  if (e?.validation) {
    const where = e.validationContext ? `${e.validationContext}` : 'request';
    return new StrataError(`invalid ${where}: ${e.message}`, { status: 400, code: 'invalid_input', details: { validation: e.validation } });
  }
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new StrataError(`request body too large: ${e.message}`, { status: 413, code: 'payload_too_large' });
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new StrataError(e.message, { status: 415, code: 'unsupported_media_type' });
  if (e?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e instanceof SyntaxError) {
    return new StrataError(`malformed JSON body: ${e.message}`, { status: 400, code: 'invalid_input' });
  }
  return toStrataError(err);
}

/** Core's own error body: `{"error": {"code", "message", "details"}}`. */
export function coreErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = classify(err);
  if (e.status >= 500) req.log.error({ err }, 'request failed');
  const message = e.status >= 500 && !(err instanceof StrataError) ? 'internal error' : e.message;
  return reply.status(e.status).send({ error: { code: e.code, message, ...(e.details ? { details: e.details } : {}) } });
}
