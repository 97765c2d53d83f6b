/**
 * What a dashboard page may watch: GET paths of the server's own APIs. The
 * probe runs them with the watcher's own token, so a watch can show nothing
 * the same token could not GET directly; this check only keeps a watch from
 * pointing at the event stream itself or at something that is not a path.
 */
import { InvalidInputError } from '../../core/errors/index.js';

/** Enough for the overview with every module loaded (it watches 10). */
export const MAX_WATCHES = 16;
const MAX_PATH = 500;

export function parseWatchPaths(raw: unknown): string[] {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length > MAX_WATCHES) throw new InvalidInputError(`watch: at most ${MAX_WATCHES} paths per stream (got ${list.length})`);
  const out: string[] = [];
  for (const [i, p] of list.entries()) {
    if (typeof p !== 'string' || !p.startsWith('/') || p.startsWith('//')) throw new InvalidInputError(`watch[${i}]: a path on this server starting with / (got ${JSON.stringify(p)})`);
    if (p.length > MAX_PATH) throw new InvalidInputError(`watch[${i}]: at most ${MAX_PATH} characters`);
    if (/[\s#]|\/\.\.?(\/|$|\?)/.test(p)) throw new InvalidInputError(`watch[${i}]: no spaces, fragments or dot segments in ${JSON.stringify(p)}`);
    if (p === '/ui' || p.startsWith('/ui/')) throw new InvalidInputError(`watch[${i}]: ${p} is the dashboard itself, not an API`);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}
