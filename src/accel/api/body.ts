/** Small checks of request bodies and queries, each naming what is wrong and where. */
import { InvalidInputError } from '../../core/index.js';

export function object(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidInputError(`${what}: the body must be a JSON object`);
  return body as Record<string, unknown>;
}

export function list(body: unknown, what: string, max = 100): unknown[] {
  if (!Array.isArray(body) || body.length === 0) throw new InvalidInputError(`${what}: the body must be a non-empty JSON list`);
  if (body.length > max) throw new InvalidInputError(`${what}: at most ${max} items in one request, not ${body.length}`);
  return body;
}

export function onlyKeys(o: Record<string, unknown>, known: string[], what: string): void {
  const extra = Object.keys(o).find((k) => !known.includes(k));
  if (extra !== undefined) throw new InvalidInputError(`${what}: unknown field "${extra}" (known: ${known.join(', ')})`);
}

export function str(o: Record<string, unknown>, key: string, what: string, required = true): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw new InvalidInputError(`${what}: "${key}" is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > 255) throw new InvalidInputError(`${what}: "${key}" must be a non-empty string of at most 255 characters`);
  return v;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidParam(v: string, what: string): string {
  if (!UUID.test(v)) throw new InvalidInputError(`${what} "${v}" is not a UUID`);
  return v.toLowerCase();
}

export { parseJsonBody } from '../../core/index.js';
