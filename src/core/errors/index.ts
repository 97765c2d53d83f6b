/**
 * Errors every module shares. Each carries an HTTP status so the API layer
 * can map it without knowing its origin; each module's API then renders it in
 * its own dialect (Ironic's error_message, Deckhand's error document, …).
 */
export class StrataError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, opts: { status?: number; code?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.status = opts.status ?? 500;
    this.code = opts.code ?? 'internal_error';
    this.details = opts.details;
  }
}

/** The request (body, parameter, file) is malformed or violates a schema. */
export class InvalidInputError extends StrataError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { status: 400, code: 'invalid_input', details });
  }
}

export class UnauthorizedError extends StrataError {
  constructor(message = 'authentication required') {
    super(message, { status: 401, code: 'unauthorized' });
  }
}

export class ForbiddenError extends StrataError {
  constructor(message = 'insufficient role') {
    super(message, { status: 403, code: 'forbidden' });
  }
}

export class NotFoundError extends StrataError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { status: 404, code: 'not_found', details });
  }
}

/** The request is valid but conflicts with current state (a lock, a duplicate, a forbidden transition). */
export class ConflictError extends StrataError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { status: 409, code: 'conflict', details });
  }
}

export class PayloadTooLargeError extends StrataError {
  constructor(message: string) {
    super(message, { status: 413, code: 'payload_too_large' });
  }
}

/** A peer (BMC, git remote, database) could not be reached or failed. */
export class UnavailableError extends StrataError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, { status: 503, code: 'unavailable', cause: opts.cause });
  }
}

/** Maps anything thrown to a StrataError, keeping HTTP-ish statuses from libraries (Fastify, Ajv). */
export function toStrataError(err: unknown): StrataError {
  if (err instanceof StrataError) return err;
  if (err instanceof Error) {
    const status = (err as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return new StrataError(err.message, { status, code: (err as { code?: string }).code ?? 'bad_request', cause: err });
    }
    return new StrataError(err.message, { cause: err });
  }
  return new StrataError(String(err));
}
