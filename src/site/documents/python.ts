/**
 * Python's spellings of JSON values, where Deckhand's output depends on
 * them: `json.dumps` (whose bytes Deckhand hashes to redact secrets), `repr`
 * (in validation messages) and `str` (what a substitution pattern inserts).
 * Numbers that are integral print as Python ints: JSON data read from YAML
 * cannot tell `1.0` from `1` once in JavaScript.
 */

function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  // Shortest round-trip digits, then Python's choice of notation: scientific
  // when the decimal exponent is < -4 or >= 16.
  const [mant, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = n.toFixed(Math.max(0, mant.replace(/^-/, '').replace('.', '').length - 1 - exp));
  return s.includes('.') ? s : `${s}.0`;
}

/** Python's repr of a number as it was parsed (integral values as ints). */
export function numberRepr(n: number): string {
  if (Number.isInteger(n) && Number.isSafeInteger(n)) return String(n);
  return floatRepr(n);
}

function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += c === 0x7f ? s[i] : '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

/** `json.dumps(value)` with Python's defaults (ensure_ascii, ', ' and ': ' separators). */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '-Infinity';
    return numberRepr(value);
  }
  if (typeof value === 'string') return jsonString(value);
  if (Array.isArray(value)) return '[' + value.map(pythonJsonDumps).join(', ') + ']';
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) parts.push(`${jsonString(k)}: ${pythonJsonDumps(v)}`);
    return '{' + parts.join(', ') + '}';
  }
  return jsonString(String(value));
}

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr()` of a JSON value. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return numberRepr(value);
  if (typeof value === 'string') return reprString(value);
  if (Array.isArray(value)) return '[' + value.map(pythonRepr).join(', ') + ']';
  if (typeof value === 'object') {
    return '{' + Object.entries(value).map(([k, v]) => `${reprString(k)}: ${pythonRepr(v)}`).join(', ') + '}';
  }
  return String(value);
}

/** Python's `str()`: strings as they are, everything else as `repr()`. */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

/** Python truthiness of a JSON value. */
export function pythonTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Python's `==` on JSON values: deep, and `True == 1`, `False == 0`. */
export function pythonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b;
  if (typeof a === 'number' && typeof b === 'boolean') return a === Number(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => pythonEquals(x, bb[i]));
  }
  const ka = Object.keys(a);
  const bo = b as Record<string, unknown>;
  if (ka.length !== Object.keys(bo).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && pythonEquals((a as Record<string, unknown>)[k], bo[k]));
}

const regexCache = new Map<string, RegExp | null>();

/**
 * A Python `re` pattern as a JS regular expression (named groups and `\Z`
 * translated), or null when JS cannot compile it. `global` gives one for
 * `re.sub`-style replace-all.
 */
export function pythonRegex(pattern: string, global = false): RegExp | null {
  const key = (global ? 'g' : '-') + pattern;
  let re = regexCache.get(key);
  if (re !== undefined) return re;
  const src = pattern.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>').replace(/\\Z/g, '$');
  const flags = global ? 'g' : '';
  try {
    re = new RegExp(src, flags + 'u');
  } catch {
    try {
      re = new RegExp(src, flags);
    } catch {
      re = null;
    }
  }
  regexCache.set(key, re);
  return re;
}
