/**
 * Deckhand's error body (deckhand/errors.py format_error_resp): a `Status`
 * document with the message, the error's class as `errorType`, and a
 * `messageList` naming, where known, the document (name, schema, layer),
 * the path inside it and the line of the request body it came from.
 */
import { STATUS_CODES } from 'node:http';
import { classify, StrataError } from '../../core/index.js';
import { DeckhandError, InvalidDocumentFormat, formatSource, type ValidationMessage } from '../documents/index.js';

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'HTTPBadRequest',
  401: 'HTTPUnauthorized',
  403: 'HTTPForbidden',
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  409: 'HTTPConflict',
  413: 'HTTPPayloadTooLarge',
  415: 'HTTPUnsupportedMediaType',
  500: 'HTTPInternalServerError',
  503: 'HTTPServiceUnavailable',
};

export interface StatusBody {
  kind: 'Status';
  apiVersion: string;
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details: { errorType: string; errorCount: number; messageList: Record<string, unknown>[] };
  code: string;
  retry: boolean;
}

function validationEntry(m: ValidationMessage): Record<string, unknown> {
  const doc = m.documents[0];
  return {
    message: m.message,
    error: m.error,
    name: m.name,
    level: m.level,
    kind: m.kind,
    documents: m.documents,
    ...(m.diagnostic !== undefined ? { diagnostic: m.diagnostic } : {}),
    ...(doc ? { schema: doc.schema, layer: doc.layer } : {}),
    ...(m.path ? { path: m.path } : {}),
    ...(m.source ? { source: formatSource(m.source) } : {}),
  };
}

export function statusCode(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Error'}`;
}

/** The Status document for anything a route threw; `internal` errors hide their text. */
export function statusBody(err: unknown, apiVersion = 'v1.0'): StatusBody {
  const e = classify(err);
  const internal = e.status >= 500 && !(err instanceof StrataError);
  const message = internal ? 'Unhandled Exception raised: internal error' : e.message;
  let messageList: Record<string, unknown>[];
  let errorType = TYPE_BY_STATUS[e.status] ?? 'HTTPError';
  if (err instanceof InvalidDocumentFormat) {
    messageList = err.errors.map(validationEntry);
    errorType = err.code;
  } else if (err instanceof DeckhandError) {
    errorType = err.code;
    const doc = err.document;
    messageList = [
      {
        message,
        error: true,
        ...(doc ? { name: doc.name, schema: doc.schema, layer: doc.layer } : {}),
        ...(err.path ? { path: err.path } : {}),
        ...(err.source ? { source: formatSource(err.source) } : {}),
      },
    ];
  } else {
    if (e.code === 'invalid_input' && (e.details as { parameter?: string } | undefined)?.parameter) errorType = 'HTTPInvalidParam';
    messageList = [{ message, error: true }];
  }
  if (messageList.length === 0) messageList = [{ message, error: true }];
  return {
    kind: 'Status',
    apiVersion,
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Unspecified',
    details: { errorType, errorCount: messageList.filter((m) => m.error !== false).length, messageList },
    code: statusCode(e.status),
    retry: e.status >= 500,
  };
}
