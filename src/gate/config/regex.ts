// Zuul's regular expressions (zuul/lib/re2util.py ZuulRegex): RE2 syntax,
// optionally `{regex: ..., negate: true}`, matched with `match` (anchored at
// the start only, as Python's re.match), `fullmatch` or `search`. JavaScript's
// RegExp differs from RE2 in a few places real configurations use; they are
// translated here: leading inline flags `(?i)`, `(?P<name>…)` groups, `\A`,
// `\z`, `\Q…\E`, POSIX classes `[[:alpha:]]`, and a quantified anchor such
// as `^*` (RE2 accepts it, JavaScript does not).

export class RegexSyntaxError extends Error {}

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Translates an RE2 pattern to a JavaScript source and flags. */
export function translateRe2(pattern: string): { source: string; flags: string } {
  let flags = '';
  let i = 0;
  // Leading inline flags: (?i), (?s), (?m), (?is)…
  for (;;) {
    const m = /^\(\?([imsU]+)\)/.exec(pattern.slice(i));
    if (!m) break;
    for (const f of m[1]) {
      if (f === 'U') throw new RegexSyntaxError('the (?U) flag is not supported');
      if (!flags.includes(f)) flags += f;
    }
    i += m[0].length;
  }
  let out = '';
  let inClass = false;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new RegexSyntaxError('trailing backslash at end of expression');
      if (!inClass && next === 'A') { out += '(?<![\\s\\S])'; i += 2; continue; }
      if (!inClass && (next === 'z' || next === 'Z')) { out += '(?![\\s\\S])'; i += 2; continue; }
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const literal = pattern.slice(i + 2, end === -1 ? undefined : end);
        out += inClass ? literal.replace(/[\\\]^-]/g, '\\$&') : escapeLiteral(literal);
        i = end === -1 ? pattern.length : end + 2;
        continue;
      }
      out += ch + next;
      i += 2;
      continue;
    }
    if (inClass) {
      if (ch === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end !== -1) {
          let name = pattern.slice(i + 2, end);
          const negated = name.startsWith('^');
          if (negated) name = name.slice(1);
          const cls = POSIX_CLASSES[name];
          if (!cls) throw new RegexSyntaxError(`invalid character class range: [:${name}:]`);
          if (negated) throw new RegexSyntaxError(`negated POSIX class [:^${name}:] is not supported`);
          out += cls;
          i = end + 2;
          continue;
        }
      }
      if (ch === ']') inClass = false;
      out += ch;
      i++;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      i++;
      // A ']' right after '[' or '[^' is a literal in RE2.
      if (pattern[i] === '^') { out += '^'; i++; }
      if (pattern[i] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (ch === '(' && pattern.startsWith('(?P<', i)) {
      out += '(?<';
      i += 4;
      continue;
    }
    if (ch === '(' && /^\(\?[imsU-]+[:)]/.test(pattern.slice(i))) {
      throw new RegexSyntaxError('inline flags are only supported at the start of the expression');
    }
    if ((ch === '^' || ch === '$') && /^[*+?{]/.test(pattern[i + 1] ?? '')) {
      out += `(?:${ch})`;
      i++;
      continue;
    }
    out += ch;
    i++;
  }
  return { source: out, flags };
}

/** A compiled Zuul regex. */
export class ZuulRegex {
  readonly pattern: string;
  readonly negate: boolean;
  private readonly anchored: RegExp;
  private readonly full: RegExp;
  private readonly unanchored: RegExp;

  /** Throws RegexSyntaxError when the pattern does not compile. */
  constructor(pattern: string, negate = false) {
    this.pattern = pattern;
    this.negate = negate;
    const { source, flags } = translateRe2(pattern);
    try {
      this.unanchored = new RegExp(source, flags);
      this.anchored = new RegExp(`^(?:${source})`, flags);
      this.full = new RegExp(`^(?:${source})$`, flags);
    } catch (err) {
      const msg = (err as Error).message.replace(/^Invalid regular expression: /, '');
      throw new RegexSyntaxError(`invalid regular expression "${pattern}": ${msg}`);
    }
  }

  /** Python re.match: a match anchored at the start of the subject. */
  match(subject: string): boolean {
    return this.anchored.test(subject) !== this.negate;
  }

  fullmatch(subject: string): boolean {
    return this.full.test(subject) !== this.negate;
  }

  search(subject: string): boolean {
    return this.unanchored.test(subject) !== this.negate;
  }

  toJSON(): unknown {
    return this.negate ? { regex: this.pattern, negate: true } : this.pattern;
  }

  equals(other: ZuulRegex): boolean {
    return this.pattern === other.pattern && this.negate === other.negate;
  }
}
