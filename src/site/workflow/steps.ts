/**
 * What each step does. A step is a reconcile loop over the design and
 * what metal and the sandboxes report, so running it again (after a
 * takeover, after a SIGKILL) picks up where the last run stopped: nodes
 * already active from the same design are left alone, replicas already
 * running with the same hash are kept.
 */
import type { SiteDesign, WorkloadDesign } from './design.js';
import { nodeRequests } from './drydock-mapping.js';
import { replicaSpecs } from './armada-mapping.js';
import { computePlan, formatPlan, releaseDifference, type Plan } from './plan.js';
import type { MachinePort, WorkloadPort } from './ports.js';
import { groupNodes, judgeGroup, orderGroups } from './strategy.js';

export interface StepContext {
  design: SiteDesign;
  plan: Plan | null;
  params: Record<string, unknown>;
  actionName: string;
  machines: MachinePort;
  workloads: WorkloadPort;
  signal: AbortSignal;
  log(line: string): Promise<void>;
  setPlan(p: Plan): Promise<void>;
  /** progress kept across takeovers (e.g. which rebuilds were already asked for) */
  memo: Record<string, unknown>;
  saveMemo(): Promise<void>;
  /** how long one node may take to reach active */
  nodeTimeoutMs: number;
  pollMs: number;
}

export interface StepOutcome {
  ok: boolean;
  message: string;
  result?: unknown;
}

export class StepFailed extends Error {}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason ?? new Error('aborted');
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason ?? new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Drives one node to active from its design: enroll → manage → provide →
 * deploy, or rebuild when it is active from another design (or `force`).
 * Returns an error message, or undefined on success.
 */
async function driveNode(ctx: StepContext, name: string, force: boolean): Promise<string | undefined> {
  const n = ctx.design.nodes.find((x) => x.name === name)!;
  const req = nodeRequests(n);
  const deadline = Date.now() + ctx.nodeTimeoutMs;
  const forcedKey = `rebuilt:${name}`;
  let deploys = 0;
  let manages = 0;
  let last = '';
  for (;;) {
    if (Date.now() > deadline) return `${name}: not active after ${Math.round(ctx.nodeTimeoutMs / 1000)} s (provision state ${last})`;
    const seen = await ctx.machines.get(name);
    if (!seen) {
      await ctx.log(`${name}: enrolling (driver ${req.create.driver})`);
      await ctx.machines.enroll(req);
      continue;
    }
    if (seen.provisionState !== last) await ctx.log(`${name}: ${seen.provisionState}`);
    last = seen.provisionState;
    switch (seen.provisionState) {
      case 'enroll':
        // a failed verify (the BMC unreachable, a wrong credential) leaves the node in enroll
        if (manages >= 2) return `${name}: cannot be managed: ${(await ctx.machines.lastError(name)) ?? 'no reason given'}`;
        if (manages > 0) await ctx.log(`${name}: verify failed (${(await ctx.machines.lastError(name)) ?? 'no reason given'}); trying again`);
        manages++;
        await ctx.machines.provision(name, 'manage');
        break;
      case 'manageable':
        await ctx.machines.provision(name, 'provide');
        break;
      case 'available':
        deploys++;
        await ctx.log(`${name}: deploying ${n.image ?? '(no image)'}`);
        await ctx.machines.provision(name, 'active', req);
        break;
      case 'active': {
        const forcedDone = ctx.memo[forcedKey] === true;
        if (seen.hash !== n.hash || (force && !forcedDone)) {
          if (force) {
            ctx.memo[forcedKey] = true;
            await ctx.saveMemo();
          }
          deploys++;
          await ctx.log(`${name}: rebuilding`);
          await ctx.machines.provision(name, 'rebuild', req);
          break;
        }
        if (seen.powerState !== 'power on') {
          await ctx.log(`${name}: powering on`);
          await ctx.machines.power(name, 'power on');
        }
        if (seen.provisionUpdatedAt && seen.recordedDeploy !== seen.provisionUpdatedAt) await ctx.machines.markDeployed(name, seen.provisionUpdatedAt);
        return undefined;
      }
      case 'deploy failed':
        if (deploys >= 2) return `${name}: deploy failed: ${(await ctx.machines.lastError(name)) ?? 'no reason given'}`;
        deploys++;
        await ctx.log(`${name}: deploy failed (${(await ctx.machines.lastError(name)) ?? 'no reason given'}); trying again`);
        await ctx.machines.provision(name, 'active', req);
        break;
      default:
        // Still on its way while metal names a target (Ironic clears it in every stable state); at rest anywhere else it is stuck.
        if (!seen.targetProvisionState) return `${name}: stuck in ${seen.provisionState}: ${(await ctx.machines.lastError(name)) ?? 'no reason given'}`;
    }
    await sleep(ctx.pollMs, ctx.signal);
  }
}

async function preflight(ctx: StepContext): Promise<StepOutcome> {
  const nodes = await ctx.machines.list();
  const replicas = await ctx.workloads.list();
  return { ok: true, message: `metal answers (${nodes.length} nodes); sandboxes answer (${replicas.length} site sandboxes)` };
}

async function validate(ctx: StepContext): Promise<StepOutcome> {
  const d = ctx.design;
  return { ok: true, message: `${d.nodes.length} nodes in ${d.groups.length} deployment groups; ${d.workloads.length} workloads in ${d.chartGroups.length} chart groups` };
}

async function verifySite(ctx: StepContext): Promise<StepOutcome> {
  const known = new Map((await ctx.machines.list()).map((n) => [n.name, n]));
  for (const n of ctx.design.nodes) await ctx.log(`${n.name}: ${known.get(n.name)?.provisionState ?? 'not enrolled'}`);
  return { ok: true, message: `${ctx.design.nodes.filter((n) => known.has(n.name)).length} of ${ctx.design.nodes.length} nodes enrolled` };
}

async function prepareSite(ctx: StepContext): Promise<StepOutcome> {
  const observed = { nodes: await ctx.machines.list(), replicas: await ctx.workloads.list() };
  let plan = computePlan(ctx.design, observed);
  if (ctx.params.software_only) plan = { ...plan, nodes: plan.nodes.map((n) => ({ ...n, action: 'none' as const, reason: 'software only' })) };
  await ctx.setPlan(plan);
  await ctx.log(formatPlan(plan));
  const changes = plan.nodes.filter((n) => n.action !== 'none').length + plan.workloads.filter((w) => w.action !== 'none').length;
  return { ok: true, message: `plan: ${changes} change(s)`, result: plan };
}

async function prepareNodes(ctx: StepContext): Promise<StepOutcome> {
  const enroll = (ctx.plan?.nodes ?? []).filter((n) => n.action === 'enroll');
  for (const p of enroll) {
    if (await ctx.machines.get(p.name)) continue;
    const n = ctx.design.nodes.find((x) => x.name === p.name)!;
    await ctx.machines.enroll(nodeRequests(n));
    await ctx.log(`${p.name}: enrolled`);
  }
  return { ok: true, message: `${enroll.length} node(s) enrolled` };
}

async function deployGroup(ctx: StepContext): Promise<StepOutcome> {
  const g = ctx.design.groups.find((x) => x.name === ctx.params.group)!;
  const ordered = orderGroups(ctx.design.groups);
  const earlier = new Set(ordered.slice(0, ordered.indexOf(g)).flatMap((e) => groupNodes(e, ctx.design.nodes)));
  const members = groupNodes(g, ctx.design.nodes);
  const planned = new Map((ctx.plan?.nodes ?? []).map((n) => [n.name, n.action]));
  const todo = members.filter((m) => !earlier.has(m) && (planned.get(m) ?? 'none') !== 'none');
  await ctx.log(`group ${g.name}: ${members.length} node(s), ${todo.length} to deploy${todo.length ? `: ${todo.join(', ')}` : ''}`);
  const errors = (await Promise.all(todo.map((m) => driveNode(ctx, m, false)))).filter((e): e is string => e !== undefined);
  for (const e of errors) await ctx.log(e);
  // Members not deployed here count by what they are now (Shipyard counts earlier groups' nodes the same way).
  const now = new Map((await ctx.machines.list()).map((n) => [n.name, n]));
  const succeeded = members.filter((m) => now.get(m)?.provisionState === 'active').length;
  const judged = judgeGroup(g, succeeded, members.length - succeeded, members.length);
  const message = `group ${g.name}: ${succeeded} of ${members.length} node(s) active${judged.met ? '' : `; success criteria not met: ${judged.reasons.join('; ')}`}`;
  return { ok: judged.met, message, result: { ...judged, errors } };
}

/** Makes a release's sandboxes what its design says: keeps matching replicas, replaces the rest. */
async function applyRelease(ctx: StepContext, w: WorkloadDesign): Promise<string[]> {
  const want = replicaSpecs(w, ctx.design.nodes);
  const have = (await ctx.workloads.list()).filter((r) => r.release === w.release);
  const created: string[] = [];
  for (const r of have) {
    const keep = r.hash === w.hash && r.state === 'running' && r.replica < want.length && (want[r.replica].node ?? '') === (r.node ?? '') && have.filter((h) => h.replica === r.replica && h.state === 'running')[0] === r;
    if (!keep) {
      await ctx.workloads.remove(r.id);
      await ctx.log(`${w.release}: removed sandbox ${r.id} (replica ${r.replica}, ${r.state})`);
    }
  }
  const kept = new Set((await ctx.workloads.list()).filter((r) => r.release === w.release).map((r) => r.replica));
  for (const spec of want) {
    if (kept.has(spec.replica)) continue;
    const r = await ctx.workloads.start(spec, w.hash);
    created.push(r.id);
    await ctx.log(`${w.release}: replica ${spec.replica} started in sandbox ${r.id}${spec.node ? ` for ${spec.node}` : ''}`);
  }
  return created;
}

/** Waits until every replica runs and passes its health check; an error message on timeout. */
async function waitReady(ctx: StepContext, w: WorkloadDesign): Promise<string | undefined> {
  const deadline = Date.now() + w.waitTimeoutMs;
  let why = '';
  for (;;) {
    const have = (await ctx.workloads.list()).filter((r) => r.release === w.release);
    const diff = releaseDifference(replicaSpecs(w, ctx.design.nodes), have, w.hash);
    if (diff === undefined) {
      if (!w.healthCheck) return undefined;
      const results = await Promise.all(have.map((r) => ctx.workloads.exec(r.id, w.healthCheck!.command, w.healthCheck!.timeoutMs)));
      const bad = results.findIndex((r) => r.exit !== 0);
      if (bad < 0) return undefined;
      why = `health check of ${have[bad].id} exited ${results[bad].exit}: ${results[bad].output.trim().slice(-200)}`;
    } else why = diff;
    if (Date.now() > deadline) return `${w.release}: not ready after ${w.waitTimeoutMs / 1000} s: ${why}`;
    await sleep(ctx.pollMs, ctx.signal);
  }
}

async function testRelease(ctx: StepContext, w: WorkloadDesign): Promise<string | undefined> {
  if (!w.test) return undefined;
  const r = (await ctx.workloads.list()).find((x) => x.release === w.release && x.state === 'running');
  if (!r) return `${w.release}: no running replica to test`;
  const out = await ctx.workloads.exec(r.id, w.test.command, w.test.timeoutMs);
  await ctx.log(`${w.release}: test ${out.exit === 0 ? 'passed' : `failed (exit ${out.exit}${out.timedOut ? ', timed out' : ''})`}${out.output.trim() ? `: ${out.output.trim().slice(-500)}` : ''}`);
  return out.exit === 0 ? undefined : `${w.release}: test failed (exit ${out.exit})`;
}

async function chartGroup(ctx: StepContext): Promise<StepOutcome> {
  const cg = ctx.design.chartGroups.find((g) => g.name === ctx.params.chart_group)!;
  const planned = new Map((ctx.plan?.workloads ?? []).map((w) => [w.release, w.action]));
  const members = cg.workloads.map((name) => ctx.design.workloads.find((w) => w.name === name)!);
  const todo = members.filter((w) => ['create', 'update'].includes(planned.get(w.release) ?? 'none'));
  await ctx.log(`chart group ${cg.name}${cg.sequenced ? ' (sequenced)' : ''}: ${todo.length} of ${members.length} release(s) to apply${todo.length ? `: ${todo.map((w) => w.release).join(', ')}` : ''}`);
  const failures: string[] = [];
  const fail = async (w: WorkloadDesign, created: string[], why: string) => {
    failures.push(why);
    await ctx.log(why);
    // Armada purges a failed release unless it is protected.
    if (!w.protected) for (const id of created) await ctx.workloads.remove(id);
    else await ctx.log(`${w.release}: protected, left as it is`);
  };
  if (cg.sequenced) {
    for (const w of todo) {
      const created = await applyRelease(ctx, w);
      const why = await waitReady(ctx, w);
      if (why) {
        await fail(w, created, why);
        break; // a sequenced group stops at its first failure
      }
      await ctx.log(`${w.release}: ready`);
    }
  } else {
    const created = new Map<string, string[]>();
    for (const w of todo) created.set(w.release, await applyRelease(ctx, w));
    const results = await Promise.all(todo.map((w) => waitReady(ctx, w)));
    for (const [i, why] of results.entries()) {
      if (why) await fail(todo[i], created.get(todo[i].release)!, why);
      else await ctx.log(`${todo[i].release}: ready`);
    }
  }
  if (!failures.length && (cg.testCharts || todo.some((w) => w.test))) {
    for (const w of todo) {
      const why = await testRelease(ctx, w);
      if (why) failures.push(why);
    }
  }
  return { ok: failures.length === 0, message: failures.length ? failures.join('; ') : `chart group ${cg.name}: ${todo.length} release(s) applied` };
}

async function purge(ctx: StepContext): Promise<StepOutcome> {
  const gone = (ctx.plan?.workloads ?? []).filter((w) => w.action === 'delete').map((w) => w.release);
  for (const r of (await ctx.workloads.list()).filter((x) => gone.includes(x.release))) {
    await ctx.workloads.remove(r.id);
    await ctx.log(`${r.release}: removed sandbox ${r.id}`);
  }
  return { ok: true, message: `${gone.length} release(s) purged` };
}

async function redeployServer(ctx: StepContext): Promise<StepOutcome> {
  const nodes = ctx.params.nodes as string[];
  const errors = (await Promise.all(nodes.map((n) => driveNode(ctx, n, true)))).filter((e): e is string => e !== undefined);
  return { ok: errors.length === 0, message: errors.length ? errors.join('; ') : `${nodes.join(', ')} redeployed` };
}

async function relabelNodes(ctx: StepContext): Promise<StepOutcome> {
  const nodes = ctx.params.nodes as string[];
  for (const name of nodes) {
    if (!(await ctx.machines.get(name))) {
      await ctx.log(`${name}: not enrolled, skipped`);
      continue;
    }
    await ctx.machines.relabel(name, nodeRequests(ctx.design.nodes.find((n) => n.name === name)!));
    await ctx.log(`${name}: labels written`);
  }
  return { ok: true, message: `${nodes.length} node(s) relabelled` };
}

async function testSite(ctx: StepContext): Promise<StepOutcome> {
  const only = ctx.params.releases;
  const failures: string[] = [];
  for (const w of ctx.design.workloads) {
    if (typeof only === 'string' && w.release !== only && w.name !== only) continue;
    const why = await testRelease(ctx, w);
    if (why) failures.push(why);
  }
  return { ok: failures.length === 0, message: failures.length ? failures.join('; ') : 'every test passed' };
}

export const STEP_KINDS: Record<string, (ctx: StepContext) => Promise<StepOutcome>> = {
  preflight,
  validate_site_design: validate,
  verify_site: verifySite,
  prepare_site: prepareSite,
  prepare_nodes: prepareNodes,
  deploy_nodes: deployGroup,
  armada_chart_group: chartGroup,
  armada_purge: purge,
  redeploy_server: redeployServer,
  relabel_nodes: relabelNodes,
  test_site: testSite,
};
