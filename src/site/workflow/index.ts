/**
 * The site deployment workflow (Shipyard, with Drydock's and Armada's
 * documents): configdocs and commits over the revision store, actions as
 * durable step graphs, plan and drift, and the API at /shipyard/api/v1.0.
 */
import type { ModuleContext } from '../../core/index.js';
import { faults } from '../../core/index.js';
import { ApiClient } from '../../core/cli/index.js';
import type { DeckhandService } from '../api/index.js';
import type { RevisionStore } from '../revisions/index.js';
import { ActionStore } from './action-store.js';
import { shipyardPlugin, SHIPYARD_PREFIX } from './api.js';
import { ConfigDocs } from './configdocs.js';
import { DRIFT_ALARM, DriftMonitor } from './drift-monitor.js';
import { WorkflowEngine } from './engine.js';
import { MetalPort } from './metal-port.js';
import { SandboxWorkloads, type SandboxApi } from './workload-port.js';

export { workflowMigrations } from './action-store.js';
export { actionSpec, stepSpec } from './states.js';
export { WORKFLOW_DATA_SCHEMAS, WORKFLOW_SCHEMAS } from './schemas.js';
export { SHIPYARD_PREFIX } from './api.js';

function seconds(ctx: ModuleContext, key: string, fallback: number): number {
  const raw = ctx.config.options[key];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a number of seconds (got "${String(raw)}")`);
  return n;
}

export async function createWorkflow(ctx: ModuleContext, revisions: RevisionStore, deckhand: DeckhandService) {
  const configdocs = new ConfigDocs(revisions, deckhand);
  const actions = new ActionStore(ctx.store.db);
  // The workflow calls metal's API as any provisioner client would, with a token of its own kept in memory.
  let client: Promise<{ client: ApiClient; id: string; expires: number }> | undefined;
  const mint = async () => {
    const { token, info } = await ctx.tokens.create({ role: 'admin', project: 'admin', name: 'site-workflow', ttlSeconds: 24 * 3600 });
    return { client: new ApiClient(ctx.url(), token), id: info.id, expires: Date.now() + 23 * 3600_000 };
  };
  const metalClient = async () => {
    let c = client ? await client : undefined;
    if (!c || c.expires < Date.now()) {
      client = mint();
      c = await client;
    }
    return c.client;
  };
  const machines = new MetalPort(metalClient);
  const workloads = new SandboxWorkloads(() => ctx.services.get<SandboxApi>('sandbox'));
  const log = ctx.log.child({ component: 'site-workflow' });
  const engine = new WorkflowEngine(
    { actions, tasks: ctx.tasks, configdocs, machines, workloads, log },
    { nodeTimeoutMs: seconds(ctx, 'siteNodeTimeout', 1800) * 1000, pollMs: 300 },
  );
  engine.register();
  const site = String(ctx.config.options.siteName ?? 'site');
  const drift = new DriftMonitor(
    {
      check: async () => ((await configdocs.revisionOf('successful_site_action')) === undefined ? undefined : engine.drift()),
      actions,
      faults: faults(ctx.services, ctx.log),
      log,
      site,
      raised: async () => {
        // the fault manager's own service, when it runs (structural: site imports no other module)
        const fm = ctx.services.maybe<{ list?(f: { alarm_id: string; includeSuppressed: boolean }): Promise<{ entityInstanceId: string }[]> }>('fm');
        const active = fm?.list ? await fm.list({ alarm_id: DRIFT_ALARM, includeSuppressed: true }) : [];
        return active.map((a) => a.entityInstanceId).filter((e) => e.startsWith(`site=${site}.`));
      },
    },
    seconds(ctx, 'siteDriftInterval', 30) * 1000,
  );
  let sweeper: NodeJS.Timeout | undefined;
  return {
    mount: { prefix: SHIPYARD_PREFIX, plugin: shipyardPlugin({ configdocs, deckhand, engine, actions, machines, drift }) },
    start: () => {
      drift.start();
      void engine.sweep();
      sweeper = setInterval(() => void engine.sweep(), 30_000).unref();
    },
    async stop() {
      clearInterval(sweeper);
      drift.stop();
      const c = client ? await client.catch(() => undefined) : undefined;
      if (c) await ctx.tokens.revoke(c.id).catch(() => undefined);
    },
  };
}
