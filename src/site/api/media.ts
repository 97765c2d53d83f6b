/**
 * Bodies in and out. Deckhand speaks `application/x-yaml` both ways
 * (multi-document streams for lists); a request may also send
 * `application/yaml` or JSON (JSON is YAML), and a caller that asks with
 * `Accept: application/json` gets JSON back.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StrataError } from '../../core/index.js';
import { deckhandYamlDump } from './pyyaml-dump.js';

export const YAML = 'application/x-yaml';
export const ACCEPTED_BODY_TYPES = ['application/x-yaml', 'application/yaml', 'text/yaml', 'application/json'];

export class UnsupportedMediaType extends StrataError {
  constructor(contentType: string) {
    super(`Unexpected content type: ${contentType}. Expected content types are: ['application/x-yaml'].`, {
      status: 415,
      code: 'unsupported_media_type',
    });
  }
}

export function wantsJson(req: FastifyRequest): boolean {
  const accept = String(req.headers.accept ?? '').toLowerCase();
  return accept.includes('application/json') && !accept.includes('yaml');
}

/** Sends `body` as Deckhand does: YAML (a list as a stream of documents), or JSON when asked; nothing for 204. */
export function send(req: FastifyRequest, reply: FastifyReply, status: number, body?: unknown): FastifyReply {
  reply.status(status);
  if (status === 204 || body === undefined) return reply.send();
  if (wantsJson(req)) return reply.header('content-type', 'application/json').send(JSON.stringify(body));
  return reply.header('content-type', YAML).send(deckhandYamlDump(body));
}
