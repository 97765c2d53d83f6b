/**
 * The content parser OpenStack-style APIs need: JSON whatever the content
 * type (clients vary), an empty body as none (PUT .../traits/X), bad JSON a
 * 400. Used by the Ironic and Cyborg dialects.
 */
export function parseJsonBody(_req: unknown, body: string | Buffer, done: (err: Error | null, body?: unknown) => void): void {
  const text = String(body);
  if (text.trim() === '') return done(null, undefined);
  try {
    done(null, JSON.parse(text));
  } catch (err) {
    (err as { statusCode?: number }).statusCode = 400;
    done(err as Error, undefined);
  }
}
