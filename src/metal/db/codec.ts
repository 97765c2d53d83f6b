/**
 * Row ↔ record conversion for the portable column types: JSON lives in text
 * columns, booleans in integer 0/1, times in bigint epoch milliseconds (which
 * PostgreSQL may hand back as strings when a driver is not told otherwise).
 */

export interface Codec {
  /** Text columns holding JSON. */
  json: readonly string[];
  /** Integer 0/1 columns read as booleans (null stays null). */
  bool: readonly string[];
  /** Integer or bigint columns read as numbers (null stays null). */
  num: readonly string[];
}

export function decode<T>(row: Record<string, unknown>, codec: Codec): T {
  const out: Record<string, unknown> = { ...row };
  for (const k of codec.json) {
    if (!(k in row)) continue;
    const v = row[k];
    out[k] = v === null || v === undefined || v === '' ? null : JSON.parse(v as string);
  }
  for (const k of codec.bool) {
    if (!(k in row)) continue;
    const v = row[k];
    out[k] = v === null || v === undefined ? null : Number(v) === 1;
  }
  for (const k of codec.num) {
    if (!(k in row)) continue;
    const v = row[k];
    out[k] = v === null || v === undefined ? null : Number(v);
  }
  return out as T;
}

export function encode(record: Record<string, unknown>, codec: Codec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    if (codec.json.includes(k)) out[k] = v === null ? null : JSON.stringify(v);
    else if (codec.bool.includes(k)) out[k] = v === null ? null : v ? 1 : 0;
    else out[k] = v;
  }
  return out;
}
