/**
 * Substitution (Deckhand's secrets_manager.SecretsSubstitution): copy a value
 * from a source document (`src`: schema, name, path, optionally a regular
 * expression and the group to keep) into one or many destinations (`dest`:
 * path, optionally a pattern to replace inside the string there, recursively
 * to some depth). A source that takes data from an encrypted document makes
 * its destination encrypted too, with the substitution paths redacted,
 * unless secrets are shown in cleartext.
 */
import type { DocumentMetadata, DocumentRef, JsonValue, Substitution, SubstitutionDest } from '../documents/index.js';
import {
  MissingDocumentPattern,
  SubstitutionSourceDataNotFound,
  SubstitutionSourceNotFound,
  UnknownSubstitutionError,
  isJsonObject,
  locate,
  pythonRegex,
  pythonStr,
  pythonTruthy,
  sourceKey,
  sourceOf,
} from '../documents/index.js';
import type { SourceLocation } from '../documents/index.js';
import type { Entry } from './entry.js';
import type { PathSegment } from './jsonpath.js';
import { PathSyntaxError, displayPath, getPath, parsePath, setOwn } from './jsonpath.js';
import type { Ownership } from './ownership.js';
import { redactPath } from './redaction.js';

export interface RenderWarning {
  /** The Deckhand error this would be with fail-on-missing-source (e.g. SubstitutionSourceNotFound). */
  code: string;
  message: string;
  document?: DocumentRef;
  path?: string;
  source?: SourceLocation;
}

export interface SubstitutionOptions {
  failOnMissingSubSrc: boolean;
  cleartextSecrets: boolean;
  /** What this render may change in place (see ownership.ts). */
  own: Ownership;
}

/** Thrown inside one substitution; becomes a warning or, when strict, the error it names. */
class SubstitutionFailure extends Error {
  constructor(
    message: string,
    readonly pattern?: { pattern: string; destPath: string },
  ) {
    super(message);
  }
}

function srcPath(i: number): PathSegment[] {
  return ['metadata', 'substitutions', i, 'src'];
}

function destPath(i: number, j: number | undefined): PathSegment[] {
  return j === undefined ? ['metadata', 'substitutions', i, 'dest'] : ['metadata', 'substitutions', i, 'dest', j];
}

function display(segs: PathSegment[]): string {
  return segs.map((s, k) => (typeof s === 'number' ? `[${s}]` : k === 0 ? s : `.${s}`)).join('');
}

/** Deckhand's `re.sub(pattern, str(value), text)`, inserting the value literally. */
function replacePattern(text: unknown, pattern: string, value: unknown, destPathText: string): string {
  if (typeof text !== 'string') {
    throw new SubstitutionFailure(`the value at ${destPathText} is not a string`, { pattern, destPath: destPathText });
  }
  const re = pythonRegex(pattern, true);
  if (!re) throw new SubstitutionFailure(`invalid pattern ${JSON.stringify(pattern)}`);
  const replacement = pythonStr(value);
  return text.replace(re, () => replacement);
}

/**
 * Replaces the pattern, in place, in every string below `node` that
 * contains it literally (Deckhand's test is `pattern in value`), down to
 * `maxDepth` levels (-1: all).
 */
function replaceRecursively(node: unknown, pattern: string, value: unknown, depth: number, maxDepth: number, destText: string): void {
  if (depth === maxDepth) return;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v = node[i];
      if (typeof v === 'string' && v.includes(pattern)) node[i] = replacePattern(v, pattern, value, destText);
      else replaceRecursively(v, pattern, value, depth + 1, maxDepth, destText);
    }
  } else if (isJsonObject(node)) {
    for (const k of Object.keys(node)) {
      const v = node[k];
      if (typeof v === 'string' && v.includes(pattern)) setOwn(node, k, replacePattern(v, pattern, value, destText));
      else replaceRecursively(v, pattern, value, depth + 1, maxDepth, destText);
    }
  }
}

function conflict(destText: string, segs: readonly PathSegment[], k: number, found: unknown): string {
  const what = found === null ? 'null' : Array.isArray(found) ? 'a list' : `a ${typeof found}`;
  return `cannot create path ${destText}: ${displayPath(segs.slice(0, k))} is ${what}`;
}

type Container = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Container {
  return v !== null && typeof v === 'object';
}

function child(c: Container, seg: PathSegment): unknown {
  if (Array.isArray(c)) return typeof seg === 'number' ? c[seg < 0 ? c.length + seg : seg] : undefined;
  return typeof seg === 'string' && Object.prototype.hasOwnProperty.call(c, seg) ? c[seg] : undefined;
}

function put(c: Container, seg: PathSegment, value: unknown): void {
  if (Array.isArray(c)) c[(seg as number) < 0 ? c.length + (seg as number) : (seg as number)] = value;
  else setOwn(c, seg as string, value);
}

/**
 * Walks from a live container to the one that holds the path's last
 * segment, making each container on the way live, and creating what is
 * missing as Deckhand's path expansion does (a mapping per missing key, a
 * list padded with `{}` for an index).
 */
function livePath(own: Ownership, root: Container, segs: readonly PathSegment[], destText: string): Container {
  let cur: Container = root;
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k];
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) throw new SubstitutionFailure(conflict(destText, segs, k, cur));
      const i = seg < 0 ? cur.length + seg : seg;
      if (i < 0) throw new SubstitutionFailure(`cannot create path ${destText}: index ${seg} is out of range`);
      while (cur.length <= i) cur.push(own.fresh({}));
    } else if (!isJsonObject(cur)) {
      throw new SubstitutionFailure(conflict(destText, segs, k, cur));
    }
    if (k === segs.length - 1) return cur;
    let next = child(cur, seg);
    if (next === undefined) next = own.fresh(typeof segs[k + 1] === 'number' ? [] : {});
    else if (!isContainer(next)) throw new SubstitutionFailure(conflict(destText, segs, k + 1, next));
    const owned = own.own(next);
    if (owned !== child(cur, seg)) put(cur, seg, owned);
    cur = owned as Container;
  }
  return cur;
}

/**
 * One destination, with Deckhand's exact sharing: the value is copied one
 * level deep (`copy.copy`), the document's data too, and writes below the
 * top level land in containers the document may share with its sources. A
 * later write through such a container shows in the source as well; the
 * treasuremap sites' rendered catalogues depend on this (passwords appear
 * in ucp_service_accounts), so it is kept. `src.deepcopy: true` avoids it.
 */
function substituteOne(entry: Entry, value: unknown, dest: SubstitutionDest, own: Ownership): void {
  const destText = typeof dest.path === 'string' ? dest.path : String(dest.path);
  let segs: PathSegment[];
  try {
    segs = parsePath(destText);
  } catch (err) {
    throw new SubstitutionFailure(err instanceof PathSyntaxError ? err.message : String(err));
  }
  const pattern = typeof dest.pattern === 'string' && dest.pattern !== '' ? dest.pattern : undefined;
  const data = entry.data;
  // Deckhand writes into a one-level copy of the data and then copies its keys back.
  const dataCopy: unknown = isContainer(data) ? own.fresh(Array.isArray(data) ? data.slice() : { ...data }) : data;
  let result: unknown;
  if (segs.length === 0) {
    if (!pattern) result = value;
    else if (dest.recurse && isContainer(dataCopy)) {
      replaceRecursively(own.ownDeep(dataCopy), pattern, value, 0, recurseDepth(dest), destText);
      result = dataCopy;
    } else result = replacePattern(dataCopy, pattern, value, destText);
  } else {
    if (!isContainer(dataCopy)) throw new SubstitutionFailure(conflict(destText, segs, 0, dataCopy));
    const holder = livePath(own, dataCopy, segs, destText);
    const last = segs[segs.length - 1];
    if (!pattern) put(holder, last, value);
    else {
      // A missing path is created as a mapping first, which no pattern applies to.
      const target = child(holder, last) ?? {};
      if (dest.recurse && isContainer(target)) {
        const owned = own.ownDeep(target);
        if (owned !== child(holder, last)) put(holder, last, owned);
        replaceRecursively(owned, pattern, value, 0, recurseDepth(dest), destText);
      } else {
        put(holder, last, replacePattern(target, pattern, value, destText));
      }
    }
    result = dataCopy;
  }
  if (isJsonObject(data) && isJsonObject(result)) {
    // dict.update: the data's keys, then the result's.
    entry.data = (result === dataCopy ? result : own.fresh({ ...data, ...result })) as JsonValue;
  } else if (pythonTruthy(result)) {
    entry.data = result as JsonValue;
  } else {
    throw new SubstitutionFailure(`Failed to create JSON path "${destText}" in the destination document. No data was substituted.`);
  }
}

function recurseDepth(dest: SubstitutionDest): number {
  return typeof dest.recurse?.depth === 'number' ? dest.recurse.depth : -1;
}

/**
 * The value a substitution takes from its source, after `src.pattern` /
 * `match_group`. A mapping or list taken is made live in the source first,
 * so that writes through the destination reach the source, as in Deckhand.
 */
function sourceValue(src: Entry, sub: Substitution, own: Ownership, share: boolean): { found: boolean; value: unknown } {
  const srcData = src.data;
  let value: unknown;
  if (isJsonObject(srcData)) {
    let segs: PathSegment[];
    try {
      segs = parsePath(sub.src.path);
    } catch (err) {
      throw new SubstitutionFailure(err instanceof PathSyntaxError ? err.message : String(err));
    }
    value = getPath(srcData, segs).value;
    if (share && isContainer(value) && !own.isDeep(value)) {
      if (segs.length === 0) {
        src.data = own.ownDeep(srcData);
        value = src.data;
      } else {
        src.data = own.own(srcData);
        const holder = livePath(own, src.data as Container, segs, String(sub.src.path));
        const last = segs[segs.length - 1];
        value = own.ownDeep(child(holder, last));
        if (value !== child(holder, last)) put(holder, last, value);
      }
    }
  } else {
    // A source whose data is not a mapping (a certificate, a passphrase) gives all of it.
    if (share && isContainer(srcData)) src.data = own.ownDeep(srcData);
    value = src.data;
  }
  return { found: value !== undefined && value !== null, value: value === undefined ? null : value };
}

function applySourcePattern(value: unknown, sub: Substitution): unknown {
  const pattern = sub.src.pattern;
  if (typeof pattern !== 'string' || pattern === '') return value;
  if (typeof value !== 'string') throw new SubstitutionFailure(`src.pattern needs a string, but the source value is ${value === null ? 'null' : typeof value}`);
  const re = pythonRegex(pattern);
  if (!re) throw new SubstitutionFailure(`invalid src.pattern ${JSON.stringify(pattern)}`);
  const m = re.exec(value);
  if (!m) return value; // Deckhand: "no match found, using entire value"
  const group = typeof sub.src.match_group === 'number' ? sub.src.match_group : 0;
  if (group >= m.length) throw new SubstitutionFailure(`src.match_group ${group} does not exist in src.pattern ${JSON.stringify(pattern)}`);
  return m[group] ?? null;
}

/**
 * Applies every substitution of `entry` in order, updating its data and (for
 * redaction) its metadata. Missing sources and failures are warnings unless
 * `failOnMissingSubSrc`.
 */
export function substituteAll(
  entry: Entry,
  sources: ReadonlyMap<string, Entry>,
  opts: SubstitutionOptions,
  warnings: RenderWarning[],
): void {
  const subs = entry.metadata.substitutions;
  if (!Array.isArray(subs) || subs.length === 0) return;
  let redactDest = false;
  let newSubs: Substitution[] | undefined;
  const doc = entry.raw;

  const warn = (code: string, message: string, path: PathSegment[]) => {
    warnings.push({ code, message, document: entry.ref, path: display(path), source: locate(doc, path) ?? sourceOf(doc) });
  };

  subs.forEach((sub, i) => {
    const src = sub?.src;
    const srcRef = { schema: String(src?.schema ?? ''), name: String(src?.name ?? '') };
    const srcEntry = sources.get(sourceKey(srcRef.schema, srcRef.name));
    if (!srcEntry) {
      if (opts.failOnMissingSubSrc) {
        throw new SubstitutionSourceNotFound({ src: srcRef, document: entry.ref, path: display(srcPath(i)), source: locate(doc, srcPath(i)) });
      }
      warn(
        'SubstitutionSourceNotFound',
        `Could not find substitution source document [${srcRef.schema}] ${srcRef.name} among the provided substitution sources.`,
        srcPath(i),
      );
      return;
    }
    const encryptedSource = srcEntry.metadata.storagePolicy === 'encrypted';
    if (encryptedSource) redactDest = true;

    const fail = (err: unknown, path: PathSegment[]) => {
      if (!(err instanceof SubstitutionFailure)) throw err;
      if (opts.failOnMissingSubSrc) {
        if (err.pattern) {
          throw new MissingDocumentPattern({
            document: entry.ref,
            pattern: err.pattern.pattern,
            destPath: err.pattern.destPath,
            path: display(path),
            source: locate(doc, path),
          });
        }
        throw new UnknownSubstitutionError({ src: srcEntry.ref, document: entry.ref, details: err.message, path: display(path), source: locate(doc, path) });
      }
      warn(err.pattern ? 'MissingDocumentPattern' : 'UnknownSubstitutionError', err.message, path);
    };

    let found: { found: boolean; value: unknown };
    try {
      found = sourceValue(srcEntry, sub, opts.own, sub.src?.deepcopy !== true);
    } catch (err) {
      fail(err, srcPath(i));
      return;
    }
    if (!found.found) {
      if (opts.failOnMissingSubSrc) {
        throw new SubstitutionSourceDataNotFound({
          srcPath: String(src.path),
          src: srcEntry.ref,
          document: entry.ref,
          path: display(srcPath(i)),
          source: locate(doc, srcPath(i)),
        });
      }
      // Deckhand warns and goes on to substitute null.
      warn(
        'SubstitutionSourceDataNotFound',
        `Could not find source path ${String(src.path)} in source document or the secret extracted is None. ` +
          `Source document: [${srcEntry.ref.schema}, ${srcEntry.ref.layer}] ${srcEntry.ref.name}. ` +
          `Destination document: [${entry.ref.schema}, ${entry.ref.layer}] ${entry.ref.name}.`,
        srcPath(i),
      );
    }

    const destIsList = Array.isArray(sub.dest);
    const dests: SubstitutionDest[] = destIsList ? (sub.dest as SubstitutionDest[]) : [sub.dest as SubstitutionDest];
    dests.forEach((dest, j) => {
      if (encryptedSource && !opts.cleartextSecrets) {
        newSubs ??= subs.slice();
        newSubs[i] = redactSubstitution(newSubs[i], sub, j, destIsList);
      }
      try {
        const picked = applySourcePattern(found.value, sub);
        const value = sub.src?.deepcopy === true ? opts.own.copyLive(picked) : opts.own.shallowCopy(picked);
        substituteOne(entry, value, dest ?? ({} as SubstitutionDest), opts.own);
      } catch (err) {
        fail(err, destPath(i, destIsList ? j : undefined));
      }
    });
  });

  let metadata: DocumentMetadata = entry.metadata;
  if (newSubs) metadata = { ...metadata, substitutions: newSubs };
  if (redactDest && !opts.cleartextSecrets && metadata.storagePolicy !== 'encrypted') {
    metadata = { ...metadata, storagePolicy: 'encrypted' };
  }
  entry.metadata = metadata;
}

/** The substitution with its source path and the j-th destination path replaced by their hashes. */
function redactSubstitution(current: Substitution, original: Substitution, j: number, destIsList: boolean): Substitution {
  const src = { ...current.src, path: redactPath(original.src.path) };
  let dest: Substitution['dest'];
  if (destIsList) {
    const list = (current.dest as SubstitutionDest[]).slice();
    list[j] = { ...list[j], path: redactPath((original.dest as SubstitutionDest[])[j].path) };
    dest = list;
  } else {
    dest = { ...(current.dest as SubstitutionDest), path: redactPath((original.dest as SubstitutionDest).path) };
  }
  return { ...current, src, dest };
}
