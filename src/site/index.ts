/**
 * The `site` module: Deckhand's revision store and API at
 * `/deckhand/api/v1.0` (buckets of documents, revisions, rendering, diffs,
 * tags, validations, rollback), and the deployment workflow with its
 * Shipyard-compatible API at `/shipyard/api/v1.0` (src/site/workflow).
 */
import { randomBytes } from 'node:crypto';
import type { ModuleContext, ModuleInstance, StrataModule } from '../core/index.js';
import { DeckhandService, deckhandPlugin, keyedRedactor } from './api/index.js';
import { RevisionStore, revisionMigrations, sha256Hasher } from './revisions/index.js';
import { WORKFLOW_DATA_SCHEMAS, actionSpec, createWorkflow, stepSpec, workflowMigrations } from './workflow/index.js';

/** Where the Deckhand-compatible API is mounted; its routes are `/api/v1.0/...` under it. */
export const DECKHAND_PREFIX = '/deckhand';

/** What the site module offers other modules (services.get('site.revisions')). */
export interface SiteServices {
  revisions: RevisionStore;
  deckhand: DeckhandService;
}

export const siteModule: StrataModule = {
  name: 'site',
  migrations: { ...revisionMigrations, ...workflowMigrations },
  machines: [actionSpec, stepSpec],
  async create(ctx: ModuleContext): Promise<ModuleInstance> {
    const revisions = new RevisionStore(ctx.store, ctx.secrets);
    // One key per store, shared by all processes: hashes of secrets are keyed with it.
    const key = Buffer.from(await revisions.sharedSecret('secret-hash-key', () => randomBytes(32).toString('base64')), 'base64');
    const deckhand = new DeckhandService({ store: revisions, hasher: sha256Hasher(key), redactor: keyedRedactor(key), extraDataSchemas: WORKFLOW_DATA_SCHEMAS });
    ctx.services.provide<SiteServices>('site', { revisions, deckhand });
    const workflow = await createWorkflow(ctx, revisions, deckhand);
    return {
      mounts: [{ prefix: DECKHAND_PREFIX, plugin: deckhandPlugin(deckhand) }, workflow.mount],
      start: async () => workflow.start(),
      stop: () => workflow.stop(),
    };
  },
};

export default siteModule;
