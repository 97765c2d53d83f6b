/**
 * Server-sent events framing (WHATWG HTML §9.2): `event:`, `id:`, `data:`
 * lines and a blank line. Data is JSON on one line, so no line splitting is
 * needed beyond refusing raw newlines in the event name.
 */
export function sseFrame(event: string, data: unknown, id?: number): string {
  if (/[\r\n]/.test(event)) throw new Error('an SSE event name holds no newline');
  return `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: keeps proxies and idle timers from closing a quiet stream. */
export const SSE_PING = ': ping\n\n';

/** Parses a text/event-stream chunk sequence (the client's side, and the tests'). */
export class SseParser {
  private buf = '';
  push(chunk: string): Array<{ event: string; data: string; id?: string }> {
    this.buf += chunk;
    const out: Array<{ event: string; data: string; id?: string }> = [];
    for (;;) {
      const end = this.buf.indexOf('\n\n');
      if (end < 0) return out;
      const block = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      if (data.length) out.push({ event, data: data.join('\n'), ...(id === undefined ? {} : { id }) });
    }
  }
}
