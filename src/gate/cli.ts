// `strata change …` (the local review source) and `strata gate …` (status,
// builds, logs, wait, config check), plus the gate's `strata server`
// options. Top-level imports stay light: every `strata` call loads this.

import type { Command } from 'commander';
import { action, table, type CliContext, type ServerOption } from '../core/cli/index.js';

export const serverOptions: ServerOption[] = [
  { flags: '--gate-tenant-config <file>', description: "the gate's tenant configuration (Zuul's main.yaml); without it nothing is gated" },
  { flags: '--gate-git-root <dir>', description: 'where the local connection\'s repositories are: project org/a is DIR/org/a (default: DATA/gate/git)' },
  { flags: '--gate-executor-concurrency <n>', description: 'builds the executor runs at once (default 4)' },
  { flags: '--gate-labels <file>', description: 'nodepool labels (YAML): quotas, metal pools deployed for jobs, min-ready (default: labels are sandbox classes without quota)' },
  { flags: '--gate-node-userland <dir>', description: "the /usr an Ansible node sandbox gets read-only for Python (default: the host's /usr; '' for none)" },
  { flags: '--gate-untrusted-runtime <class>', description: "the sandbox runtime class untrusted projects' jobs run in unless their nodeset label names another isolating one (default: default)" },
];

function number(value: string, what = 'change number'): number {
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) < 1) throw new Error(`${what} must be a positive integer (got "${value}")`);
  return Number(value);
}

function vote(value: string): number {
  if (!/^[+-]?[0-2]$/.test(value)) throw new Error(`a vote is an integer from -2 to 2 (got "${value}")`);
  return Number(value);
}

interface ChangeView {
  number: number;
  url: string;
  project: string;
  branch: string;
  status: string;
  patchset: number;
  subject: string;
  commit: string;
  approvals: Array<{ type: string; value: number; by: { username: string } }>;
  messages: Array<{ author: { username: string }; message: string }>;
  dependsOn: Array<{ number: number }>;
  neededBy: number[];
}

function showChange(c: ChangeView): string {
  const lines = [
    `change ${c.number},${c.patchset}  ${c.status}  ${c.project} ${c.branch}`,
    `  ${c.subject}`,
    `  ${c.url}`,
    `  commit ${c.commit}`,
  ];
  if (c.approvals.length) lines.push(`  approvals: ${c.approvals.map((a) => `${a.type}${a.value > 0 ? '+' : ''}${a.value} (${a.by.username})`).join(', ')}`);
  if (c.dependsOn.length) lines.push(`  depends on: ${c.dependsOn.map((d) => d.number).join(', ')}`);
  if (c.neededBy.length) lines.push(`  needed by: ${c.neededBy.join(', ')}`);
  for (const m of c.messages) lines.push('', `  ${m.author.username}:`, ...m.message.split('\n').map((l) => `    ${l}`));
  return lines.join('\n');
}

const created = (r: { number: number; patchset: number; url: string }) => `change ${r.number},${r.patchset} ${r.url}`;

function registerChange(program: Command): void {
  const change = program.command('change').description("changes of the gate's built-in `local` review source (Gerrit's workflow)");

  change
    .command('create')
    .description('create a change from a commit of the project\'s repository (its Depends-On footers name the changes it needs)')
    .requiredOption('--project <name>', 'project (repository under the gate\'s git root)')
    .option('--branch <name>', 'target branch (default: the repository\'s default branch)')
    .requiredOption('--commit <sha>', 'the commit (it must exist in the project\'s repository)')
    .option('--topic <topic>', 'topic')
    .action(action(async (ctx: CliContext, opts: { project: string; branch?: string; commit: string; topic?: string }) => {
      ctx.out(await ctx.client().post('/gate/api/changes', opts), created);
    }));

  change
    .command('update <number>')
    .description('upload a new patchset')
    .requiredOption('--commit <sha>', 'the new patchset\'s commit')
    .action(action(async (ctx: CliContext, n: string, opts: { commit: string }) => {
      ctx.out(await ctx.client().post(`/gate/api/changes/${number(n)}/patchsets`, { commit: opts.commit }), created);
    }));

  change
    .command('review <number>')
    .description('vote and/or comment on the current patchset')
    .option('--code-review <v>', 'Code-Review vote (-2..2)')
    .option('--workflow <v>', 'Workflow vote (-1..1)')
    .option('--verified <v>', 'Verified vote (-2..2)')
    .option('--label <name=value...>', 'any other label vote')
    .option('--message <text>', 'a comment (e.g. recheck)')
    .action(action(async (ctx: CliContext, n: string, opts: { codeReview?: string; workflow?: string; verified?: string; label?: string[]; message?: string }) => {
      const labels: Record<string, number> = {};
      if (opts.codeReview !== undefined) labels['Code-Review'] = vote(opts.codeReview);
      if (opts.workflow !== undefined) labels.Workflow = vote(opts.workflow);
      if (opts.verified !== undefined) labels.Verified = vote(opts.verified);
      for (const l of opts.label ?? []) {
        const m = /^([A-Za-z0-9][A-Za-z0-9-]*)=([+-]?\d+)$/.exec(l);
        if (!m) throw new Error(`--label wants NAME=VALUE (got "${l}")`);
        labels[m[1]!] = vote(m[2]!);
      }
      const body: Record<string, unknown> = {};
      if (Object.keys(labels).length) body.labels = labels;
      if (opts.message !== undefined) body.message = opts.message;
      ctx.out(await ctx.client().post(`/gate/api/changes/${number(n)}/review`, body), showChange);
    }));

  change
    .command('approve <number>')
    .description('Code-Review +2 and Workflow +1')
    .option('--message <text>', 'a comment')
    .action(action(async (ctx: CliContext, n: string, opts: { message?: string }) => {
      ctx.out(await ctx.client().post(`/gate/api/changes/${number(n)}/approve`, opts.message ? { message: opts.message } : {}), showChange);
    }));

  for (const verb of ['abandon', 'restore'] as const) {
    change
      .command(`${verb} <number>`)
      .description(verb === 'abandon' ? 'abandon a change (it leaves every pipeline)' : 'restore an abandoned change')
      .option('--message <text>', 'a comment')
      .action(action(async (ctx: CliContext, n: string, opts: { message?: string }) => {
        ctx.out(await ctx.client().post(`/gate/api/changes/${number(n)}/${verb}`, opts.message ? { message: opts.message } : {}), showChange);
      }));
  }

  change
    .command('show <number>')
    .description('a change with its approvals and messages')
    .action(action(async (ctx: CliContext, n: string) => {
      ctx.out(await ctx.client().get(`/gate/api/changes/${number(n)}`), showChange);
    }));

  change
    .command('list')
    .description('changes')
    .option('--status <status>', 'NEW, MERGED or ABANDONED')
    .option('--project <name>', 'project')
    .action(action(async (ctx: CliContext, opts: { status?: string; project?: string }) => {
      const list = await ctx.client().get<Array<Record<string, unknown>>>('/gate/api/changes', opts);
      ctx.out(list, (l: Array<Record<string, unknown>>) => table(['NUMBER', 'PS', 'STATUS', 'PROJECT', 'BRANCH', 'SUBJECT'], l.map((c) => [c.number, c.patchset, c.status, c.project, c.branch, c.subject])));
    }));
}

interface StatusJson {
  tenant: string;
  config_errors: string[];
  pipelines: Array<{ name: string; change_queues: Array<{ name: string; window: number; heads: Array<Array<{ id: string; active: boolean; live: boolean; failing_reasons: string[]; jobs: Array<{ name: string; result: string | null; status: string }> }>> }> }>;
}

function showStatus(s: StatusJson): string {
  const lines = [`tenant ${s.tenant}`];
  for (const e of s.config_errors) lines.push(`  config error: ${e}`);
  for (const p of s.pipelines) {
    const items = p.change_queues.flatMap((q) => q.heads.flat());
    lines.push(`${p.name}: ${items.length} item(s)`);
    for (const q of p.change_queues) {
      if (!q.heads.some((h) => h.length)) continue;
      lines.push(`  queue ${q.name}${q.window ? ` (window ${q.window})` : ''}`);
      for (const head of q.heads) {
        for (const [k, i] of head.entries()) {
          const jobs = i.jobs.map((j) => `${j.name}:${j.result ?? j.status}`).join(' ');
          const flags = [i.live ? '' : 'non-live', i.active ? '' : 'inactive', i.failing_reasons.length ? `failing (${i.failing_reasons.join('; ')})` : ''].filter(Boolean).join(', ');
          lines.push(`    ${k === 0 ? '*' : '└'} ${i.id}${flags ? ` [${flags}]` : ''} ${jobs}`);
        }
      }
    }
  }
  return lines.join('\n');
}

function registerGate(program: Command): void {
  const gate = program.command('gate').description('the gate: pipelines, queues, builds');

  gate
    .command('status')
    .description("pipelines → queues → items with their jobs (Zuul's status)")
    .option('--tenant <name>', 'tenant (default: the only one)')
    .action(action(async (ctx: CliContext, opts: { tenant?: string }) => {
      ctx.out(await ctx.client().get('/gate/api/status', { tenant: opts.tenant }), showStatus);
    }));

  gate
    .command('builds')
    .description('builds in start order')
    .option('--change <number>', 'only builds of this change\'s items')
    .option('--pipeline <name>', 'only this pipeline')
    .option('--project <name>', 'only this project')
    .option('--tenant <name>', 'only this tenant')
    .action(action(async (ctx: CliContext, opts: { change?: string; pipeline?: string; project?: string; tenant?: string }) => {
      const query = { ...opts, change: opts.change === undefined ? undefined : number(opts.change) };
      const builds = await ctx.client().get<Array<Record<string, any>>>('/gate/api/builds', query);
      ctx.out(builds, (list: Array<Record<string, any>>) => table(
        ['UUID', 'PIPELINE', 'JOB', 'CHANGE', 'RESULT', 'VOTING', 'DURATION', 'CHANGES'],
        list.map((b) => [b.uuid, b.pipeline, b.job, b.change ?? b.ref, b.result ?? b.status, b.voting ? 'yes' : 'no', b.duration === null ? '' : `${(b.duration / 1000).toFixed(1)}s`, b.changes.join(' ')]),
      ));
    }));

  gate
    .command('log <build>')
    .description("a build's log")
    .option('--follow', 'keep printing while the build runs')
    .action(action(async (ctx: CliContext, id: string, opts: { follow?: boolean }) => {
      const res = await ctx.client().fetch('GET', `/gate/api/builds/${encodeURIComponent(id)}/log`, { query: { follow: opts.follow ? 'true' : 'false' } });
      if (!res.body) return;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
    }));

  gate
    .command('wait')
    .description('return once the gate is idle: no event pending, no item queued, no build running, no report or merge outstanding')
    .option('--timeout <seconds>', 'give up after this long (exit 1)', '300')
    .action(action(async (ctx: CliContext, opts: { timeout: string }) => {
      if (!/^[0-9]+(\.[0-9]+)?$/.test(opts.timeout)) throw new Error(`--timeout must be a number of seconds (got "${opts.timeout}")`);
      // Long waits are asked for in slices, so that no HTTP request outlives client or proxy timeouts.
      const deadline = Date.now() + Number(opts.timeout) * 1000;
      let r: { idle: boolean; waited_ms: number } = { idle: false, waited_ms: 0 };
      const t0 = Date.now();
      for (;;) {
        const slice = Math.max(0, Math.min(60, (deadline - Date.now()) / 1000));
        r = await ctx.client().get<{ idle: boolean; waited_ms: number }>('/gate/api/wait', { timeout: slice.toFixed(3) });
        if (r.idle || Date.now() >= deadline) break;
      }
      r = { ...r, waited_ms: Date.now() - t0 };
      if (!r.idle) throw new Error(`the gate is still busy after ${opts.timeout} s`);
      ctx.out(r, () => '');
    }));

  registerAdmin(gate);

  const config = gate.command('config').description('gate configuration');
  config
    .command('check <target>')
    .description('check a tenant file, a configuration file, a project directory or a zuul.d/ directory; every problem with file:line (exit 1 on errors)')
    .option('--git-root <dir>', 'with a tenant file: the git root, to load each tenant fully')
    .option('--tenant <name>', 'with a tenant file: only this tenant')
    .option('--project <name>', 'with a file or directory: the project it stands for')
    .option('--untrusted', 'with a file or directory: check it as an untrusted project (default: a config project)')
    .option('--strict', 'with a file or directory: it is the whole configuration, so a reference it does not satisfy is an error (default: a warning)')
    .action(action(async (ctx: CliContext, target: string, opts: { gitRoot?: string; tenant?: string; project?: string; untrusted?: boolean; strict?: boolean }) => {
      const { checkConfig, formatCheckResult } = await import('./config/index.js');
      const { checkView } = await import('./api/routes.js');
      const result = await checkConfig(target, { gitRoot: opts.gitRoot, tenant: opts.tenant, project: opts.project, trusted: !opts.untrusted, open: !opts.strict });
      if (ctx.json) ctx.out(checkView(result));
      else process.stdout.write(formatCheckResult(result) + '\n');
      if (!result.ok) process.exitCode = 1;
    }));
}

/** The tenant named, or the only one. */
async function tenantOf(ctx: CliContext, tenant?: string): Promise<string> {
  if (tenant) return tenant;
  const list = await ctx.client().get<Array<{ name: string }>>('/api/tenants');
  if (list.length === 1) return list[0]!.name;
  throw new Error(list.length === 0 ? 'no tenant is configured' : `several tenants (${list.map((t) => t.name).join(', ')}): give --tenant`);
}

function changeId(value: string): string {
  if (!/^[0-9]{1,9},[0-9]{1,4}$/.test(value)) throw new Error(`a change is NUMBER,PATCHSET (got "${value}")`);
  return value;
}

const encode = (project: string) => project.split('/').map(encodeURIComponent).join('/');

/** Zuul's admin actions, as zuul-client names them, through Zuul's REST API. */
function registerAdmin(gate: Command): void {
  for (const verb of ['enqueue', 'dequeue'] as const) {
    gate
      .command(verb)
      .description(verb === 'enqueue' ? 'put a change (or a ref) into a pipeline, skipping its requirements (tenant admin)' : 'remove a change (or a ref) from a pipeline, cancelling its builds (tenant admin)')
      .requiredOption('--pipeline <name>', 'pipeline')
      .requiredOption('--project <name>', 'project')
      .option('--change <N,P>', 'change and patchset')
      .option('--ref <ref>', 'a ref (refs/heads/…, refs/tags/…) instead of a change')
      .option('--oldrev <sha>', 'with --ref: the old commit')
      .option('--newrev <sha>', 'with --ref: the new commit')
      .option('--tenant <name>', 'tenant (default: the only one)')
      .action(action(async (ctx: CliContext, opts: { pipeline: string; project: string; change?: string; ref?: string; oldrev?: string; newrev?: string; tenant?: string }) => {
        if (!opts.change === !opts.ref) throw new Error('give either --change N,P or --ref REF');
        const body = { pipeline: opts.pipeline, ...(opts.change ? { change: changeId(opts.change) } : { ref: opts.ref, oldrev: opts.oldrev, newrev: opts.newrev }) };
        const tenant = await tenantOf(ctx, opts.tenant);
        ctx.out(await ctx.client().post(`/api/tenant/${encodeURIComponent(tenant)}/project/${encode(opts.project)}/${verb}`, body),
          () => `${verb}d ${opts.change ?? opts.ref} ${verb === 'enqueue' ? 'into' : 'from'} ${opts.pipeline}`);
      }));
  }

  gate
    .command('promote')
    .description('move changes to the head of their dependent queue, in this order; everything in it restarts (tenant admin)')
    .requiredOption('--pipeline <name>', 'pipeline')
    .requiredOption('--changes <N,P...>', 'the changes, in the order wanted')
    .option('--tenant <name>', 'tenant (default: the only one)')
    .action(action(async (ctx: CliContext, opts: { pipeline: string; changes: string[]; tenant?: string }) => {
      const tenant = await tenantOf(ctx, opts.tenant);
      ctx.out(await ctx.client().post(`/api/tenant/${encodeURIComponent(tenant)}/promote`, { pipeline: opts.pipeline, changes: opts.changes.map(changeId) }),
        () => `promoted ${opts.changes.join(' ')} in ${opts.pipeline}`);
    }));

  gate
    .command('autohold')
    .description("keep the nodes of a job's next failing build(s) for inspection (tenant admin)")
    .requiredOption('--project <name>', 'project')
    .requiredOption('--job <name>', 'job')
    .requiredOption('--reason <text>', 'why (shown on the request)')
    .option('--change <N>', 'only builds of this change')
    .option('--ref <regex>', 'only builds of refs matching this')
    .option('--count <n>', 'how many failed builds to hold (default 1)')
    .option('--node-hold-expiration <seconds>', 'how long to keep them (default 86400)')
    .option('--tenant <name>', 'tenant (default: the only one)')
    .action(action(async (ctx: CliContext, opts: { project: string; job: string; reason: string; change?: string; ref?: string; count?: string; nodeHoldExpiration?: string; tenant?: string }) => {
      const body: Record<string, unknown> = { job: opts.job, reason: opts.reason };
      if (opts.change) body.change = String(number(opts.change));
      if (opts.ref) body.ref = opts.ref;
      if (opts.count) body.count = number(opts.count, '--count');
      if (opts.nodeHoldExpiration) body.node_hold_expiration = number(opts.nodeHoldExpiration, '--node-hold-expiration');
      const tenant = await tenantOf(ctx, opts.tenant);
      ctx.out(await ctx.client().post<{ id: string }>(`/api/tenant/${encodeURIComponent(tenant)}/project/${encode(opts.project)}/autohold`, body), (r: { id: string }) => `autohold request ${r.id}`);
    }));

  gate
    .command('autohold-list')
    .description('autohold requests and the nodes they hold')
    .option('--tenant <name>', 'tenant (default: the only one)')
    .action(action(async (ctx: CliContext, opts: { tenant?: string }) => {
      const tenant = await tenantOf(ctx, opts.tenant);
      const list = await ctx.client().get<Array<Record<string, any>>>(`/api/tenant/${encodeURIComponent(tenant)}/autohold`);
      ctx.out(list, (l: Array<Record<string, any>>) => table(['ID', 'PROJECT', 'JOB', 'REF FILTER', 'COUNT', 'HELD NODES', 'REASON'],
        l.map((a) => [a.id, a.project, a.job, a.ref_filter, `${a.current_count}/${a.max_count}`, a.nodes.flatMap((n: any) => n.nodes.map((x: any) => x.id)).join(' '), a.reason])));
    }));

  gate
    .command('autohold-delete <id>')
    .description('delete an autohold request, releasing the nodes it holds (tenant admin)')
    .option('--tenant <name>', 'tenant (default: the only one)')
    .action(action(async (ctx: CliContext, id: string, opts: { tenant?: string }) => {
      const tenant = await tenantOf(ctx, opts.tenant);
      await ctx.client().fetch('DELETE', `/api/tenant/${encodeURIComponent(tenant)}/autohold/${encodeURIComponent(id)}`);
      ctx.out({ deleted: id }, () => `deleted autohold request ${id}`);
    }));
}

export function register(program: Command): void {
  registerChange(program);
  registerGate(program);
}
