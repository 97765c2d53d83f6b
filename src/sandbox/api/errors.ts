/**
 * The sandbox API's errors: core's body `{"error": {code, message,
 * details}}`, with the library's stable codes (unknown_runtime,
 * image_invalid, …) as `code`, and an HTTP status that puts the blame where
 * it lies: 4xx for what the caller asked, 5xx only for the host's failures.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { classify, StrataError } from '../../core/index.js';
import { isSandboxError, type SandboxError, type SandboxErrorCode } from '../model/index.js';

const STATUS: Record<SandboxErrorCode, number> = {
  invalid_spec: 400,
  unknown_runtime: 400,
  image_not_found: 400,
  image_invalid: 400,
  limit_unenforceable: 400,
  command_not_found: 400,
  cwd_not_found: 400,
  exec_failed: 400,
  copy_failed: 400,
  not_found: 404,
  invalid_state: 409,
  agent_died: 409,
  runtime_unavailable: 503,
  start_failed: 500,
  timeout: 504,
};

/** Turns anything thrown into a StrataError with the status the sandbox API answers. */
export function toApiError(err: unknown): StrataError {
  if (isSandboxError(err)) return fromSandboxError(err);
  return classify(err);
}

/** Drops the library's "sandbox <local id> (runtime): " prefix: API callers know the sandbox by its API id. */
export function plain(message: string): string {
  return message.replace(/^sandbox [0-9a-f]+ \([a-z]+\): /, '');
}

function fromSandboxError(err: SandboxError): StrataError {
  let status = STATUS[err.code] ?? 500;
  // a copy of a path that is not there is a 404, whatever side reported it
  if (err.code === 'copy_failed' && (err.details.errno === 'ENOENT' || /no such file or directory/i.test(err.message))) status = 404;
  // the library's details name its local sandbox id; callers know the API id
  const { sandbox: _local, ...rest } = err.details as Record<string, unknown>;
  const details = Object.keys(rest).length ? rest : undefined;
  return new StrataError(plain(err.message), { status, code: err.code, details, cause: err });
}

export function sandboxErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = toApiError(err);
  if (e.status >= 500) req.log.error({ err }, 'sandbox request failed');
  // unexpected errors (not ours, not the library's) are answered without internals
  const known = err instanceof StrataError || isSandboxError(err) || e.status < 500;
  const message = known ? e.message : 'internal error';
  return reply.status(e.status).send({ error: { code: e.code, message, ...(e.details ? { details: e.details } : {}) } });
}
