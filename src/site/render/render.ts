/**
 * Rendering a set of documents as Deckhand's engine does
 * (deckhand/engine/layering.py, DocumentLayering.render): find the
 * LayeringPolicy, give each document its parent, order all of them so that
 * parents and substitution sources render first, then for each document
 * apply its parent's data and its layering actions, then its
 * substitutions. The result holds the concrete documents, without the
 * abstract ones and without those a `replacement: true` child replaced.
 *
 * Pure: the input documents are never modified. Rendered data shares
 * unchanged parts with the input, and (as in Deckhand) destinations share
 * parts with their substitution sources: treat both as read-only.
 */
import type { Document, JsonValue } from '../documents/index.js';
import {
  InvalidDocumentFormat,
  LayeringPolicyNotFound,
  actionsOf,
  isJsonObject,
  validateDocuments,
  InvalidDocumentLayer,
  SubstitutionDependencyCycle,
  assertValidDocuments,
  hasParentSelector,
  inheritSource,
  isAbstract,
  isControl,
  isLayeringPolicy,
  isReplacement,
  layerOf,
  layerOrderOf,
  locate,
  metaKey,
  nameOf,
  refOf,
  sourceKey,
  sourceOf,
  substitutionsOf,
} from '../documents/index.js';
import type { Entry } from './entry.js';
import { deckhandOrder } from './graph.js';
import { deepCopy } from './jsonpath.js';
import { Ownership } from './ownership.js';
import { applyActions, linkReplacements, resolveParents, substitutionSources } from './layering.js';
import type { RenderWarning } from './substitution.js';
import { substituteAll } from './substitution.js';

export type { RenderWarning } from './substitution.js';

export interface RenderOptions {
  /**
   * A substitution whose source document or source path is missing is an
   * error (SubstitutionSourceNotFound, SubstitutionSourceDataNotFound), as
   * in Deckhand's API; otherwise a warning, as Pegleg renders. Default true.
   */
  failOnMissingSubSrc?: boolean;
  /**
   * Leave substitution paths readable and storagePolicy as written for
   * documents that take data from encrypted ones. Default false: they are
   * marked encrypted and their substitution paths hashed, as Deckhand's
   * engine does by default.
   */
  cleartextSecrets?: boolean;
  /**
   * Validate before rendering (Deckhand's pre-validation: skeleton,
   * metadata, control documents, duplicates) and after (every concrete
   * document against its DataSchema). Default false.
   */
  validate?: boolean;
  /** DataSchemas stored outside `documents` (earlier revisions), for post-validation. */
  dataSchemas?: Document[];
  /**
   * Reproduce Deckhand's `delete` action, which removes the first value
   * equal to the one at the path wherever it sits (a bug: two equal label
   * blocks, and the wrong one goes). Only to compare with Deckhand's output;
   * default false, which deletes the value at the path.
   */
  deckhandDelete?: boolean;
}

export interface RenderResult {
  /** The concrete rendered documents, in input order. */
  documents: Document[];
  warnings: RenderWarning[];
}

function buildEntries(documents: readonly Document[], layerOrder: readonly string[], policy: Document, warnings: RenderWarning[]): Entry[] {
  const layerIndex = new Map(layerOrder.map((l, i) => [l, i]));
  const seen = new Set<string>();
  const entries: Entry[] = [];
  for (const raw of documents) {
    const key = metaKey(raw);
    if (seen.has(key)) {
      // Deckhand keeps the first of two documents with one (schema, layer, name).
      warnings.push({
        code: 'DuplicateDocument',
        message: `Duplicate document ignored: an earlier document has the same schema, layer and name`,
        document: refOf(raw),
        source: sourceOf(raw),
      });
      continue;
    }
    seen.add(key);
    const layer = layerOf(raw);
    const idx = layer ? layerIndex.get(layer) : undefined;
    if (layer && idx === undefined) {
      throw new InvalidDocumentLayer({
        document: refOf(raw),
        layerOrder: [...layerOrder],
        layeringPolicy: nameOf(policy),
        source: locate(raw, ['metadata', 'layeringDefinition', 'layer']),
      });
    }
    entries.push({
      raw,
      ref: refOf(raw),
      layerIndex: idx ?? -1,
      abstract: isAbstract(raw),
      control: isControl(raw),
      replacement: isReplacement(raw),
      data: (raw.data ?? null) as JsonValue,
      metadata: raw.metadata,
    });
  }
  return entries;
}

/**
 * Without validation, documents still need the skeleton rendering reads
 * (a mapping with a `schema` string and a `metadata` mapping): name any
 * that lack it rather than fail somewhere inside.
 */
function assertRenderable(documents: readonly Document[]): void {
  const bad = documents.filter((d) => !isJsonObject(d) || typeof d.schema !== 'string' || !isJsonObject(d.metadata));
  if (bad.length === 0) return;
  const errors = validateDocuments(bad, { phase: 'pre' }).filter((m) => m.error);
  throw new InvalidDocumentFormat(errors);
}

/** The parent a child layers onto: its parent's replacement, unless that is the child itself. */
function ancestor(e: Entry): Entry | undefined {
  const p = e.parent;
  if (p?.replacedBy && p.replacedBy !== e) return p.replacedBy;
  return p;
}

export function render(documents: readonly Document[], opts: RenderOptions = {}): RenderResult {
  const failOnMissingSubSrc = opts.failOnMissingSubSrc ?? true;
  const cleartextSecrets = opts.cleartextSecrets ?? false;
  const warnings: RenderWarning[] = [];

  if (opts.validate) assertValidDocuments(documents, { phase: 'pre', dataSchemas: opts.dataSchemas });
  else assertRenderable(documents);

  const policies = documents.filter(isLayeringPolicy);
  if (policies.length === 0) throw new LayeringPolicyNotFound();
  const policy = policies[0];
  if (policies.length > 1) {
    warnings.push({
      code: 'MultipleLayeringPolicies',
      message: `More than one layering policy document was passed in. Using the first one found: [${policy.schema}] ${nameOf(policy)}.`,
      document: refOf(policies[1]),
      source: sourceOf(policies[1]),
    });
  }
  const layerOrder = layerOrderOf(policy);

  const entries = buildEntries(documents, layerOrder, policy, warnings);
  resolveParents(entries, layerOrder);
  linkReplacements(entries);
  const sources = substitutionSources(entries);

  const deps = (e: Entry): Entry[] => {
    const out: Entry[] = [];
    if (hasParentSelector(e.raw)) {
      const a = ancestor(e);
      if (a) out.push(a);
    }
    for (const sub of substitutionsOf(e.raw)) {
      const src = sources.get(sourceKey(String(sub?.src?.schema), String(sub?.src?.name)));
      if (src) out.push(src);
    }
    return out;
  };
  const ordered = deckhandOrder(entries, deps);
  if (ordered.cycle) {
    throw new SubstitutionDependencyCycle({ cycle: ordered.cycle.map((e) => e.ref), source: sourceOf(ordered.cycle[0].raw) });
  }

  // Substitution changes data in place and shares values between source and
  // destination, exactly as Deckhand's does; the input is never changed:
  // what a render changes, it copies first (see ownership.ts).
  const own = new Ownership();
  const subOpts = { failOnMissingSubSrc, cleartextSecrets, own };
  for (const e of ordered.order) {
    // Control documents are neither layered nor substituted.
    if (e.control) continue;
    const parent = e.parent;
    if (parent && actionsOf(e.raw).length > 0) {
      // Deckhand layers onto a deep copy of the parent's rendered data. Data
      // this render never changed is the input's, which nothing changes: it
      // can be shared. Changed (live) data may change again: copy it.
      const parentData = own.isLive(parent.data) ? deepCopy(parent.data) : parent.data;
      e.data = applyActions(e, parent, parentData, e.data, { deckhandDelete: opts.deckhandDelete });
    }
    substituteAll(e, sources, subOpts, warnings);
    // A replacement's data becomes its parent's, for the parent's other children.
    if (e.replacement && parent) parent.data = e.data;
  }

  const out: Document[] = [];
  for (const e of entries) {
    if (e.abstract || e.replacedBy) continue;
    const doc = { ...e.raw, metadata: e.metadata, data: e.data } as Document;
    inheritSource(doc, e.raw);
    out.push(doc);
  }

  if (opts.validate) assertValidDocuments(out, { phase: 'post', dataSchemas: opts.dataSchemas });
  return { documents: out, warnings };
}
