// `secret` objects: a name and data whose values may be `!encrypted/pkcs1-oaep`
// (kept opaque; decryption needs the project's private key and happens when a
// job runs, not here).

import type { Secret } from './model.js';
import type { ConfigItem, ParseContext } from './parse-context.js';
import { dict, isMapping, str, type Check } from './validate.js';

const dataDict: Check = (v, p) => (isMapping(v) ? null : { path: p, message: 'expected a dictionary' });
const SCHEMA = dict({ name: str, data: dataDict }, { required: ['name', 'data'] });

export function parseSecret(ctx: ParseContext, item: ConfigItem): Secret {
  ctx.validate(item, SCHEMA);
  return {
    name: item.body.name as string,
    data: item.body.data as Record<string, unknown>,
    source: item.source,
    line: item.line,
  };
}

/** Secrets defined identically on several branches of one project are one secret. */
export function sameSecret(a: Secret, b: Secret): boolean {
  return a.name === b.name && JSON.stringify(a.data) === JSON.stringify(b.data);
}
