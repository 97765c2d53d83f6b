/**
 * Polls `fn` every `every` ms until it gives a truthy value, or fails naming
 * what it waited for. With `tolerateErrors`, a throw counts as "not yet"
 * (a peer that is restarting or cut off).
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  ms = 60_000,
  opts: { every?: number; tolerateErrors?: boolean } = {},
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = opts.tolerateErrors ? await Promise.resolve().then(fn).catch(() => undefined) : await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.every ?? 200));
  }
}
