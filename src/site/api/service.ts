/**
 * What each Deckhand endpoint does, apart from HTTP: parse and validate
 * bodies, call the revision store, render, filter, redact, and shape the
 * response with the views. Routes (routes.ts) only move requests in and
 * bodies out.
 */
import type { Principal } from '../../core/index.js';
import { ForbiddenError, InvalidInputError } from '../../core/index.js';
import type { Document, JsonValue } from '../documents/index.js';
import {
  DATA_SCHEMA_SCHEMA,
  InvalidDocumentFormat,
  inheritSource,
  LAYERING_POLICY_SCHEMA,
  metaKey,
  parseDocuments,
  parseYamlStream,
  pythonRepr,
  validateDocuments,
} from '../documents/index.js';
import { render } from '../render/index.js';
import type { DiffDocument, Hasher, RevisionStore, StoredDocument } from '../revisions/index.js';
import {
  InvalidInputException,
  RevisionNotFound,
  RevisionTagBadFormat,
  ValidationNotFound,
  checkedEntries,
  identity,
  policiesOf,
  prepareDocument,
  revisionDiff,
  validationStatuses,
} from '../revisions/index.js';
import { listOptions, matches, multisort, type QueryParams } from './filters.js';
import { redact, type Redactor } from './redact.js';
import {
  documentList,
  entryView,
  historyView,
  isoTime,
  revisionList,
  revisionShow,
  tagView,
  tagsView,
  validationShow,
  writtenView,
  type DocumentView,
} from './views.js';

const DOCUMENT_FILTERS = [
  'schema',
  'metadata.name',
  'metadata.layeringDefinition.abstract',
  'metadata.layeringDefinition.layer',
  'metadata.label',
  'status.bucket',
  'order',
  'sort',
  'limit',
  'cleartext-secrets',
];
const RENDERED_FILTERS = ['schema', 'metadata.name', 'metadata.layeringDefinition.layer', 'metadata.label', 'status.bucket', 'order', 'sort', 'limit', 'cleartext-secrets'];
const REVISION_FILTERS = ['tag', 'order', 'sort'];

export interface ServiceOptions {
  store: RevisionStore;
  hasher: Hasher;
  redactor: Redactor;
  /** Rendered revisions kept in memory (revisions never change, so renders can be reused). */
  renderCacheSize?: number;
  /** DataSchemas offered after the stored ones (the site workflow's), so their documents are validated too. */
  extraDataSchemas?: readonly Document[];
}

/** Revision ids in paths: a non-negative integer, else 400 naming the input. */
export function parseRevisionId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new InvalidInputException(raw);
  return Number(raw);
}

function toDocument(d: StoredDocument): Document {
  return { schema: d.schema, metadata: d.metadata as Document['metadata'], data: d.data };
}

/** The (schema, layer, name) of a document as the store keys it. */
function prepareIdentity(d: { schema: string; metadata: Record<string, JsonValue> }): { schema: string; layer: string; name: string } {
  const ld = d.metadata.layeringDefinition as { layer?: unknown } | undefined;
  return { schema: d.schema, layer: ld?.layer === undefined || ld.layer === null ? '' : String(ld.layer), name: String(d.metadata.name) };
}

function mayReadSecrets(p: Principal): boolean {
  return p.role === 'admin';
}

export interface PutOutcome {
  body: Record<string, unknown>[];
  revision: number;
  created: boolean;
}

interface Rendered {
  /** Rendered documents with what their views need from the stored source. */
  documents: { rendered: Document; source: StoredDocument }[];
}

export class DeckhandService {
  private readonly revisions: RevisionStore;
  private readonly cache = new Map<string, Rendered>();

  constructor(private readonly opts: ServiceOptions) {
    this.revisions = opts.store;
  }

  /** The store underneath, for operations with nothing to add (deleting tags). */
  store(): RevisionStore {
    return this.revisions;
  }

  private async dataSchemas(): Promise<Document[]> {
    const latest = await this.revisions.latestRevisionId();
    const stored = (await this.revisions.documentsAt(latest)).filter((d) => d.schema.startsWith(DATA_SCHEMA_SCHEMA)).map(toDocument);
    return [...stored, ...(this.opts.extraDataSchemas ?? [])];
  }

  // ---- buckets -------------------------------------------------------

  /**
   * Replaces a bucket's documents. With `renderCheck` (Strata's
   * `?render=true`), the revision the change would make must also render
   * (layering, substitution, DataSchemas), or nothing is written.
   */
  async putBucket(bucket: string, text: string, principal: Principal, opts: { renderCheck?: boolean } = {}): Promise<PutOutcome> {
    if (bucket.length > 255 || /[\u0000-\u001f/]/.test(bucket)) throw new InvalidInputError(`invalid bucket name ${JSON.stringify(bucket)}`);
    const documents = text.trim() === '' ? [] : parseDocuments(text, 'request body');
    const errors = validateDocuments(documents, { phase: 'pre', dataSchemas: await this.dataSchemas() });
    if (errors.length > 0) throw new InvalidDocumentFormat(errors);
    if (documents.some((d) => d.metadata?.storagePolicy === 'encrypted') && !mayReadSecrets(principal)) {
      throw new ForbiddenError("Policy doesn't allow deckhand:create_encrypted_documents to be performed");
    }
    const prepared = documents.map((d) => prepareDocument(d, this.opts.hasher));
    // Render errors found by the check name the line of the request body.
    const parsedBy = new Map(prepared.map((p, i) => [identity(p), documents[i]]));
    const dataSchemas = opts.renderCheck ? await this.dataSchemas() : [];
    const fallbackPolicy = opts.renderCheck ? await this.revisions.lastLayeringPolicy() : undefined;
    const result = await this.revisions.putBucket(bucket, prepared, {
      verify: opts.renderCheck
        ? (docs) => {
            const inputs: Document[] = docs.map((d) => {
              const input: Document = { schema: d.schema, metadata: d.metadata as Document['metadata'], data: d.data };
              const parsed = d.bucket === bucket ? parsedBy.get(identity(prepareIdentity(d))) : undefined;
              if (parsed) inheritSource(input, parsed);
              return input;
            });
            if (!inputs.some((d) => d.schema.startsWith(LAYERING_POLICY_SCHEMA)) && fallbackPolicy) inputs.push(toDocument(fallbackPolicy));
            render(inputs, { failOnMissingSubSrc: true, cleartextSecrets: false, validate: true, dataSchemas });
          }
        : undefined,
    });
    const views =
      result.revision === null
        ? result.documents.map((d) => writtenView(d, result.currentRevision))
        : [...result.removed, ...result.documents].map((d) => writtenView(d));
    return {
      body: documentList(views.map((v) => redact(v, this.opts.redactor))),
      revision: result.currentRevision,
      created: result.revision !== null,
    };
  }

  // ---- revisions -----------------------------------------------------

  async listRevisions(params: QueryParams): Promise<Record<string, unknown>> {
    const opts = listOptions(params, REVISION_FILTERS);
    let revisions = await this.revisions.listRevisions();
    const view = (r: (typeof revisions)[number]) => ({ id: r.id, created_at: r.createdAt, tags: r.tags.map((t) => ({ tag: t.tag })), buckets: r.buckets });
    revisions = revisions.filter((r) => matches(view(r), opts.filters));
    if (opts.sort) revisions = multisort(revisions, opts.sort, opts.order, view);
    return revisionList(revisions);
  }

  async showRevision(id: number, baseUrl: string): Promise<Record<string, unknown>> {
    const summary = await this.revisions.revisionSummary(id);
    return revisionShow(summary, await this.revisions.rowsOf(id), baseUrl);
  }

  async purge(): Promise<void> {
    await this.revisions.purge();
    this.cache.clear();
  }

  async rollback(target: number, principal: Principal, baseUrl: string): Promise<Record<string, unknown>> {
    const latest = await this.revisions.latestRevisionId();
    const involved = [...(await this.revisions.documentsAt(latest)), ...(await this.revisions.documentsAt(target))];
    if (involved.some((d) => d.encrypted) && !mayReadSecrets(principal)) {
      throw new ForbiddenError("Policy doesn't allow deckhand:create_encrypted_documents to be performed");
    }
    const id = await this.revisions.rollback(target);
    return this.showRevision(id, baseUrl);
  }

  // ---- documents -----------------------------------------------------

  private async requireRevision(id: number): Promise<void> {
    if (id === 0 || !(await this.revisions.revisionExists(id))) throw new RevisionNotFound(id);
  }

  private finish(views: DocumentView[], params: QueryParams, allowed: string[], principal: Principal, defaultSort: string[] | undefined): Record<string, unknown>[] {
    const opts = listOptions(params, allowed);
    const cleartext = opts.cleartextSecrets === true && mayReadSecrets(principal);
    let out = views.filter((v) => matches(v, opts.filters));
    const sort = opts.sort ?? defaultSort;
    if (sort) out = multisort(out, sort, opts.order);
    if (opts.limit !== undefined) out = out.slice(0, opts.limit);
    if (!cleartext) out = out.map((v) => redact(v, this.opts.redactor));
    return documentList(out);
  }

  async revisionDocuments(id: number, params: QueryParams, principal: Principal): Promise<Record<string, unknown>[]> {
    listOptions(params, DOCUMENT_FILTERS);
    await this.requireRevision(id);
    const views = (await this.revisions.documentsAt(id)).map(historyView);
    return this.finish(views, params, DOCUMENT_FILTERS, principal, ['created_at']);
  }

  /**
   * Renders revision `id`: its documents plus, when it has no
   * LayeringPolicy, the last one written anywhere (as Deckhand does);
   * validated before and after against the DataSchemas it and the latest
   * revision hold.
   */
  private async rendered(id: number, cleartextSecrets: boolean): Promise<Rendered> {
    const revision = await this.revisions.getRevision(id);
    const latestId = await this.revisions.latestRevisionId();
    const latest = latestId === id ? revision : await this.revisions.getRevision(latestId);
    const key = `${id}@${revision.createdAt}:${latestId}@${latest.createdAt}:${cleartextSecrets}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const sources = await this.revisions.documentsAt(id);
    if (!sources.some((d) => d.schema.startsWith(LAYERING_POLICY_SCHEMA))) {
      const policy = await this.revisions.lastLayeringPolicy();
      if (policy) sources.push(policy);
    }
    const byKey = new Map(sources.map((s) => [metaKey(toDocument(s)), s]));
    const result = render(sources.map(toDocument), {
      failOnMissingSubSrc: true,
      cleartextSecrets,
      validate: true,
      dataSchemas: await this.dataSchemas(),
    });
    const value: Rendered = {
      documents: result.documents.map((rendered) => ({ rendered, source: byKey.get(metaKey(rendered))! })),
    };
    this.cache.set(key, value);
    const max = this.opts.renderCacheSize ?? 8;
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }

  async renderedDocuments(id: number, params: QueryParams, principal: Principal): Promise<Record<string, unknown>[]> {
    const opts = listOptions(params, RENDERED_FILTERS);
    await this.requireRevision(id);
    const cleartext = opts.cleartextSecrets === true && mayReadSecrets(principal);
    const { documents } = await this.rendered(id, cleartext);
    const views = documents.map(({ rendered, source }) => ({
      ...historyView(source),
      metadata: rendered.metadata as Record<string, JsonValue>,
      data: rendered.data,
    }));
    return this.finish(views, params, RENDERED_FILTERS, principal, undefined);
  }

  // ---- diffs ---------------------------------------------------------

  async diff(a: number, b: number, deep: boolean): Promise<Record<string, unknown>> {
    for (const id of [a, b]) if (id !== 0 && !(await this.revisions.revisionExists(id))) throw new RevisionNotFound(id);
    const side = async (id: number): Promise<DiffDocument[]> => {
      if (id === 0) return [];
      if (!deep) return this.revisions.documentsAt(id);
      const { documents } = await this.rendered(id, false);
      return documents.map(({ rendered, source }) => ({
        bucket: source.bucket,
        schema: source.schema,
        name: source.name,
        dataHash: source.dataHash,
        metadataHash: source.metadataHash,
        encrypted: (rendered.metadata as { storagePolicy?: unknown }).storagePolicy === 'encrypted',
        data: rendered.data,
        metadata: rendered.metadata as JsonValue,
      }));
    };
    return revisionDiff({ revisionId: a, documents: await side(a) }, { revisionId: b, documents: await side(b) }, { deep });
  }

  // ---- tags ----------------------------------------------------------

  async putTag(id: number, tag: string, text: string): Promise<Record<string, unknown>> {
    if (tag.length === 0 || tag.length > 64) throw new InvalidInputError(`a tag name has 1 to 64 characters (got ${tag.length})`);
    const parsed = text.trim() === '' ? [] : parseYamlStream(text, 'request body');
    if (parsed.length > 1) throw new InvalidInputError('The request body must be one YAML document');
    const data = parsed[0]?.value ?? null;
    const isMap = data !== null && typeof data === 'object' && !Array.isArray(data);
    const empty = data === null || data === false || data === 0 || data === '' || (Array.isArray(data) && data.length === 0);
    if (!isMap && !empty) throw new RevisionTagBadFormat(pythonRepr(data));
    return tagView(await this.revisions.putTag(id, tag, isMap ? (data as Record<string, JsonValue>) : {}));
  }

  async showTag(id: number, tag: string): Promise<Record<string, unknown>> {
    return tagView(await this.revisions.getTag(id, tag));
  }

  async listTags(id: number): Promise<Record<string, unknown>> {
    return tagsView(await this.revisions.listTags(id));
  }

  // ---- validations ---------------------------------------------------

  async addValidation(id: number, name: string, text: string): Promise<Record<string, unknown>> {
    if (text.trim() === '') throw new InvalidInputError('The request body must not be empty.');
    const parsed = parseYamlStream(text, 'request body');
    const body = parsed.length === 1 ? parsed[0].value : undefined;
    const obj = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, JsonValue>) : undefined;
    if (!obj || !obj.status || !obj.validator) throw new InvalidInputError('Validation payload must contain keys: "status", "validator".');
    if (typeof obj.status !== 'string' || obj.status.length > 64) throw new InvalidInputError('Validation status must be a string of at most 64 characters');
    if (name.length === 0 || name.length > 64) throw new InvalidInputError(`a validation name has 1 to 64 characters (got ${name.length})`);
    const errors = Array.isArray(obj.errors) ? obj.errors : [];
    return validationShow(await this.revisions.addValidation(id, name, { status: obj.status, validator: obj.validator, errors }));
  }

  private async policies(id: number) {
    return policiesOf(await this.revisions.documentsAt(id));
  }

  async listValidations(id: number): Promise<Record<string, unknown>> {
    const entries = await this.revisions.validations(id);
    const results = validationStatuses(entries, await this.policies(id));
    return { count: results.length, results };
  }

  async validationEntries(id: number, name: string): Promise<Record<string, unknown>> {
    const entries = checkedEntries(await this.revisions.validations(id, name), await this.policies(id), name);
    return { count: entries.length, results: entries.map((e, i) => ({ status: e.status, id: i })) };
  }

  async validationEntry(id: number, name: string, entryId: string): Promise<Record<string, unknown>> {
    if (!/^\d+$/.test(entryId)) throw new InvalidInputError('The {entry_id} parameter must be an integer.');
    const entries = checkedEntries(await this.revisions.validations(id, name), await this.policies(id), name);
    const e = entries[Number(entryId)];
    if (!e) throw new ValidationNotFound({ revisionId: id, validationName: name, entryId: Number(entryId) });
    return entryView({ id: Number(entryId), name: e.name, status: e.status, createdAt: e.createdAt === null ? null : isoTime(e.createdAt), expiresAfter: null, errors: e.errors });
  }

  async validationDetails(id: number): Promise<Record<string, unknown>> {
    const entries = checkedEntries(await this.revisions.validations(id), await this.policies(id));
    const results = entries.map((e, i) => ({
      ...entryView({ id: i, name: e.name, status: e.status, createdAt: e.createdAt === null ? null : isoTime(e.createdAt), expiresAfter: null, errors: e.errors }),
      id: i,
    }));
    return { count: results.length, results };
  }
}
