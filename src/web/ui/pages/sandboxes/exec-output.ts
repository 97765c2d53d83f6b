// An exec's output as the page shows it: the NDJSON frames of the sandbox
// API's exec stream (docs/sandbox-api.md) folded into chunks of stdout and
// stderr text and the final status. Pure, so it is tested without a browser.
export interface Chunk {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface ExecOutput {
  command: string[];
  exec?: string;
  chunks: Chunk[];
  /** "exit 0", "killed by SIGTERM", "timed out", or the error that ended it; undefined while it runs. */
  end?: string;
  /** Output beyond this many characters is dropped (the page keeps the tail of a long exec). */
  truncated: boolean;
}

export const MAX_CHARS = 64 * 1024;

// One exec streams at a time per page; its first frame resets the decoders,
// which hold a UTF-8 character split between two frames.
let decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };

function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Splits an NDJSON text stream into frames; blank lines (keep-alives) are skipped. */
export class NdjsonLines {
  private buf = '';
  push(text: string): any[] {
    this.buf += text;
    const lines = this.buf.split('\n');
    this.buf = lines.pop()!;
    return lines.filter((l) => l.trim()).map((l) => JSON.parse(l));
  }
}

export function endOf(f: any): string | undefined {
  if (f.error) return `error: ${f.error.message ?? f.error.code}`;
  if (!('exit' in f)) return undefined;
  if (f.timedOut) return 'timed out';
  if (f.signal) return `killed by ${f.signal}`;
  return `exit ${f.exit}${f.oomKilled ? ' (out of memory)' : ''}`;
}

/** The output after one more frame. */
export function apply(o: ExecOutput, f: any): ExecOutput {
  if (typeof f.exec === 'string' && o.exec === undefined) {
    decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
    return { ...o, exec: f.exec };
  }
  if (f.stream === 'stdout' || f.stream === 'stderr') {
    const text = decoders[f.stream as 'stdout' | 'stderr'].decode(base64Bytes(f.data), { stream: true });
    const last = o.chunks[o.chunks.length - 1];
    let chunks = last && last.stream === f.stream ? [...o.chunks.slice(0, -1), { stream: last.stream, text: last.text + text }] : [...o.chunks, { stream: f.stream, text }];
    let size = chunks.reduce((n, c) => n + c.text.length, 0);
    let truncated = o.truncated;
    while (size > MAX_CHARS && chunks.length) {
      const drop = Math.min(chunks[0]!.text.length, size - MAX_CHARS);
      chunks = drop === chunks[0]!.text.length ? chunks.slice(1) : [{ ...chunks[0]!, text: chunks[0]!.text.slice(drop) }, ...chunks.slice(1)];
      size -= drop;
      truncated = true;
    }
    return { ...o, chunks, truncated };
  }
  const end = endOf(f);
  return end ? { ...o, end } : o;
}

/** argv from what the user typed: words split on spaces, no shell (no quoting, globbing or variables). */
export function argv(line: string): string[] {
  return line.trim().split(/\s+/).filter(Boolean);
}
