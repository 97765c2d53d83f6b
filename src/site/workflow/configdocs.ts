/**
 * Shipyard's configdocs over the Deckhand revision store: a collection is a
 * bucket; the committed version is the latest revision tagged `committed`;
 * the buffer is the latest revision when it is newer than that; site
 * actions tag the revision they ran from `site-action-success` or
 * `site-action-failure`. Committing validates the buffer as a whole site
 * design and refuses with the report unless forced.
 */
import type { Principal } from '../../core/index.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../core/index.js';
import type { DeckhandService } from '../api/index.js';
import type { RevisionStore } from '../revisions/index.js';
import { revisionDocuments, validateDesign, validationStatus, type ValidationReport } from './validation.js';

export const COMMITTED = 'committed';
export const ACTION_SUCCESS = 'site-action-success';
export const ACTION_FAILURE = 'site-action-failure';

export const VERSIONS = ['buffer', 'committed', 'last_site_action', 'successful_site_action'] as const;
export type Version = (typeof VERSIONS)[number];
export const BUFFER_MODES = ['rejectoncontents', 'append', 'replace'] as const;
export type BufferMode = (typeof BUFFER_MODES)[number];

export class CommitRefused extends InvalidInputError {
  constructor(readonly report: Record<string, unknown>) {
    const list = ((report.details as { messageList?: { message: string; documents?: { schema: string; name: string }[] }[] })?.messageList ?? []).filter(Boolean);
    const first = list[0];
    const where = first?.documents?.[0] ? `${first.documents[0].schema} ${first.documents[0].name}: ` : '';
    super(`${String(report.message)}${first ? `: ${where}${first.message}` : ''}${list.length > 1 ? ` (and ${list.length - 1} more)` : ''}`, report);
  }
}

export interface CollectionStatus {
  collection_name: string;
  base_version: string;
  base_revision: number;
  new_version: string;
  new_revision: number;
  base_status: string;
  new_status: string;
}

export class ConfigDocs {
  constructor(
    private readonly store: RevisionStore,
    private readonly deckhand: DeckhandService,
  ) {}

  private async latestTagged(tags: readonly string[]): Promise<number | undefined> {
    const revisions = await this.store.listRevisions();
    for (let i = revisions.length - 1; i >= 0; i--) if (revisions[i].tags.some((t) => tags.includes(t.tag))) return revisions[i].id;
    return undefined;
  }

  async committedRevision(): Promise<number | undefined> {
    return this.latestTagged([COMMITTED]);
  }

  async bufferRevision(): Promise<number | undefined> {
    const latest = await this.store.latestRevisionId();
    const committed = (await this.committedRevision()) ?? 0;
    return latest > committed ? latest : undefined;
  }

  async revisionOf(version: Version): Promise<number | undefined> {
    switch (version) {
      case 'buffer':
        return this.bufferRevision();
      case 'committed':
        return this.committedRevision();
      case 'last_site_action':
        return this.latestTagged([ACTION_SUCCESS, ACTION_FAILURE]);
      case 'successful_site_action':
        return this.latestTagged([ACTION_SUCCESS]);
    }
  }

  /** Whether the buffer differs from the committed version at all. */
  private async bufferChanged(): Promise<boolean> {
    const buffer = await this.bufferRevision();
    if (buffer === undefined) return false;
    const diff = await this.deckhand.diff((await this.committedRevision()) ?? 0, buffer, false);
    return Object.values(diff).some((v) => v !== 'unmodified');
  }

  private async inBuffer(collection: string): Promise<boolean> {
    const buffer = await this.bufferRevision();
    if (buffer === undefined) return false;
    const diff = (await this.deckhand.diff((await this.committedRevision()) ?? 0, buffer, false)) as Record<string, string>;
    return diff[collection] !== undefined && diff[collection] !== 'unmodified';
  }

  async put(collection: string, text: string, mode: BufferMode, principal: Principal): Promise<{ revision: number; status: CollectionStatus[] }> {
    if (!(BUFFER_MODES as readonly string[]).includes(mode)) throw new InvalidInputError(`buffermode must be one of ${BUFFER_MODES.join(', ')} (got ${mode})`);
    if (mode === 'rejectoncontents' && (await this.bufferChanged())) {
      throw new ConflictError('Buffer is either not empty or the collection already exists in buffer: commit or discard it first, or use buffermode=append or replace');
    }
    if (mode === 'append' && (await this.inBuffer(collection))) {
      throw new ConflictError(`collection ${collection} is already in the buffer: buffermode=append adds only new collections (use replace)`);
    }
    if (mode === 'replace' && (await this.bufferRevision()) !== undefined) {
      await this.store.rollback((await this.committedRevision()) ?? 0);
    }
    const out = await this.deckhand.putBucket(collection, text, principal);
    return { revision: out.revision, status: await this.status() };
  }

  /** Documents of a collection at a version (secrets redacted unless asked for and allowed). */
  async get(collection: string, version: Version, principal: Principal, cleartext: boolean): Promise<Record<string, unknown>[]> {
    if (!(VERSIONS as readonly string[]).includes(version)) throw new InvalidInputError(`version must be one of ${VERSIONS.join(', ')} (got ${version})`);
    const rev = await this.revisionOf(version);
    if (rev === undefined) throw new NotFoundError(`no ${version} version of the configdocs exists`);
    const docs = await this.deckhand.revisionDocuments(rev, { 'status.bucket': [collection], ...(cleartext ? { 'cleartext-secrets': ['true'] } : {}) }, principal);
    if (docs.length === 0) throw new NotFoundError(`collection ${collection} has no documents in the ${version} version (revision ${rev})`);
    return docs;
  }

  /** Each collection in the committed and buffer versions, as `GET /configdocs` lists them. */
  async status(): Promise<CollectionStatus[]> {
    const committed = await this.committedRevision();
    const buffer = await this.bufferRevision();
    const base = committed ?? 0;
    const next = buffer ?? base;
    const diff = next === base ? {} : ((await this.deckhand.diff(base, next, false)) as Record<string, string>);
    const names = new Set<string>(Object.keys(diff));
    if (committed) for (const d of await this.store.documentsAt(committed)) names.add(d.bucket);
    return [...names].sort().map((collection_name) => ({
      collection_name,
      base_version: 'committed',
      base_revision: base,
      new_version: buffer ? 'buffer' : 'committed',
      new_revision: next,
      base_status: committed ? 'present' : 'not present',
      new_status: diff[collection_name] ?? 'unmodified',
    }));
  }

  /**
   * Committed revisions after the last site action's and before the
   * committed one: changes no action has applied, which a site action
   * would apply together unless the caller allows it (Shipyard's check).
   */
  async intermediateCommits(): Promise<number[]> {
    const last = await this.revisionOf('last_site_action');
    const committed = await this.committedRevision();
    if (last === undefined || committed === undefined) return [];
    return (await this.store.listRevisions()).filter((r) => r.id > last && r.id < committed && r.tags.some((t) => t.tag === COMMITTED)).map((r) => r.id);
  }

  async validateRevision(rev: number): Promise<ValidationReport> {
    return validateDesign(await revisionDocuments(this.store, rev));
  }

  /**
   * Commits the buffer: validates it (every failure reported), then tags it
   * committed. `force` commits despite failures; `dryrun` validates only.
   */
  async commit(opts: { force?: boolean; dryrun?: boolean }): Promise<Record<string, unknown>> {
    const buffer = await this.bufferRevision();
    if (buffer === undefined) throw new ConflictError('Buffer is empty: there is nothing to commit');
    const report = await this.validateRevision(buffer);
    const status = validationStatus(report, `revision ${buffer}`);
    if (!report.valid && !opts.force) throw new CommitRefused(status);
    if (opts.dryrun) return { ...status, message: `${status.message} (dryrun: nothing committed)` };
    await this.store.putTag(buffer, COMMITTED, {});
    return { ...status, code: '200 OK', status: 'Success', message: report.valid ? `revision ${buffer} committed` : `revision ${buffer} committed despite failed validations (force)` };
  }

  async tagAction(rev: number, success: boolean, actionId: string): Promise<void> {
    await this.store.putTag(rev, success ? ACTION_SUCCESS : ACTION_FAILURE, { action: actionId });
  }
}
