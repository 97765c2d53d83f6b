/**
 * The edge module: fleets of autonomous Strata servers under one system
 * controller, StarlingX distributed cloud's way. Every server answers its
 * controller's audit and sync under /edge/v1 (it can be a subcloud); one
 * started with `--edge-role controller` also keeps the fleet: dcmanager's
 * API at /dcmanager/v1.0, the audit loop and the syncs. A subcloud needs
 * nothing from its controller to work: its own store, tokens and modules.
 * The fault manager, which every module reports to, is its own module
 * (`fm`, ./fm) so that it comes first.
 */
import { InvalidInputError, faults, type StrataModule } from '../core/index.js';
import { edgeMigrations } from './dc/migrations.js';
import { availabilityMachine, managementMachine } from './dc/machines.js';
import { stepMachine, strategyMachine } from './dc/strategy-machines.js';
import { subcloudApi, EDGE_API_PREFIX } from './dc/subcloud-api.js';
import { Subclouds } from './dc/subclouds.js';
import { Auditor } from './dc/auditor.js';
import { dcmanagerApi, DCMANAGER_PREFIX } from './dc/api.js';
import { Strategies } from './dc/strategies.js';
import { Orchestrator } from './dc/orchestrator.js';
import { stepKinds } from './dc/step-kinds.js';
import { strategyRoutes } from './dc/strategy-api.js';

export const EDGE_ROLES = ['subcloud', 'controller'] as const;

export function parseEdgeOptions(options: Record<string, unknown>): { role: 'subcloud' | 'controller'; auditIntervalMs: number; auditConcurrency: number; stepTimeoutMs: number } {
  const role = String(options.edgeRole ?? 'subcloud');
  if (!(EDGE_ROLES as readonly string[]).includes(role)) throw new InvalidInputError(`--edge-role must be controller or subcloud (got "${role}")`);
  const interval = Number(options.edgeAuditInterval ?? 30);
  if (!Number.isFinite(interval) || interval <= 0 || interval > 86_400) throw new InvalidInputError(`--edge-audit-interval must be seconds between 0 and 86400 (got "${String(options.edgeAuditInterval)}")`);
  const concurrency = Number(options.edgeAuditConcurrency ?? 100);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 2000) throw new InvalidInputError(`--edge-audit-concurrency must be 1 to 2000 (got "${String(options.edgeAuditConcurrency)}")`);
  const stepTimeout = Number(options.edgeStepTimeout ?? 60);
  if (!Number.isFinite(stepTimeout) || stepTimeout <= 0 || stepTimeout > 86_400) throw new InvalidInputError(`--edge-step-timeout must be seconds between 0 and 86400 (got "${String(options.edgeStepTimeout)}")`);
  return { role: role as 'subcloud' | 'controller', auditIntervalMs: Math.round(interval * 1000), auditConcurrency: concurrency, stepTimeoutMs: Math.round(stepTimeout * 1000) };
}

export const edgeModule: StrataModule = {
  name: 'edge',
  migrations: edgeMigrations,
  machines: [availabilityMachine.spec, managementMachine.spec, strategyMachine.spec, stepMachine.spec],
  async create(ctx) {
    const o = parseEdgeOptions(ctx.config.options);
    const mounts = [{ prefix: EDGE_API_PREFIX, plugin: subcloudApi({ db: ctx.store.db, tokens: ctx.tokens, services: ctx.services, role: o.role }) }];
    if (o.role !== 'controller') return { mounts };

    const fm = faults(ctx.services, ctx.log);
    const subclouds = new Subclouds(ctx.store.db, ctx.secrets);
    // An audit call waits at most half a period (and 10 s): a slow subcloud must not stretch the cycle.
    const auditor = new Auditor(
      { subclouds, tokens: ctx.tokens, tasks: ctx.tasks, faults: fm, log: ctx.log.child({ component: 'audit' }), services: ctx.services },
      { intervalMs: o.auditIntervalMs, concurrency: o.auditConcurrency, timeoutMs: Math.min(10_000, Math.max(200, o.auditIntervalMs / 2)) },
    );
    ctx.services.provide('edge.subclouds', subclouds);
    ctx.services.provide('edge.auditor', auditor);
    const strategies = new Strategies(ctx.store.db);
    // One call of a step waits this long; an unreachable subcloud fails the step after the task's retries.
    const kinds = stepKinds(ctx.services, o.stepTimeoutMs);
    const orchestrator = new Orchestrator({ strategies, subclouds, tasks: ctx.tasks, kinds, log: ctx.log.child({ component: 'orchestrator' }) });
    mounts.push({
      prefix: DCMANAGER_PREFIX,
      plugin: dcmanagerApi({ subclouds, faults: fm, onChange: () => void auditor.cycle().catch(() => undefined), more: (app) => strategyRoutes(app, { strategies, subclouds, orchestrator, kinds }) }),
    });
    return {
      mounts,
      async start() {
        auditor.start();
        await orchestrator.resume();
      },
      async stop() {
        await auditor.stop();
      },
    };
  },
};

export { Auditor } from './dc/auditor.js';
export { Subclouds } from './dc/subclouds.js';
