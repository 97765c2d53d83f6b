/**
 * `strata site …` over the Shipyard-compatible API (as `shipyard` the CLI
 * drives Shipyard):
 *
 *   strata site configdocs put COLLECTION FILE… [--buffer-mode M]   strata site configdocs show COLLECTION [--version V]
 *   strata site configdocs status                                   strata site commit [--force] [--dryrun]
 *   strata site deploy | update | update-software [--wait]          strata site redeploy-server NODE… [--wait]
 *   strata site plan                                                strata site drift [--cached]
 *   strata site action list | show ID | logs ID STEP | pause ID | resume ID | stop ID
 *
 * Only commander and the CLI helpers load at start-up.
 */
import type { Command } from 'commander';
import { action, type CliContext } from '../../core/cli/index.js';

const API = '/shipyard/api/v1.0';

interface ActionView {
  id: string;
  name: string;
  action_lifecycle: string;
  datetime: string;
  user: string;
  steps?: { id: string; index: number; state: string | null }[];
}

const table = (rows: string[][]) => {
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(width[i]))).join('  ')).join('\n');
};

function showAction(a: ActionView): string {
  const head = `${a.name} ${a.id}: ${a.action_lifecycle} (by ${a.user}, ${a.datetime})`;
  return a.steps ? `${head}\n${table([['#', 'STEP', 'STATE'], ...a.steps.map((s) => [String(s.index), s.id, s.state ?? '-'])])}` : head;
}

async function waitFor(ctx: CliContext, id: string, timeoutS: number): Promise<ActionView> {
  const deadline = Date.now() + timeoutS * 1000;
  let last = '';
  for (;;) {
    const a = await ctx.client().get<ActionView>(`${API}/actions/${id}`);
    const running = a.steps?.filter((s) => s.state === 'running' || s.state === 'queued').map((s) => s.id).join(', ') ?? '';
    const line = `${a.action_lifecycle}${running ? `: ${running}` : ''}`;
    if (line !== last) ctx.info(`strata: ${a.name} ${a.id}: ${line}`);
    last = line;
    if (a.action_lifecycle === 'Complete' || a.action_lifecycle === 'Failed') return a;
    if (Date.now() > deadline) throw new Error(`action ${id} still ${a.action_lifecycle} after ${timeoutS} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function invoke(site: Command, command: string, name: string, description: string, withNodes = false): void {
  const cmd = site.command(command).description(description);
  if (withNodes) cmd.argument('<node...>', 'node names (drydock/BaremetalNode/v1 documents)');
  cmd
    .option('--wait', 'wait until the action ends (non-zero exit when it fails)')
    .option('--timeout <s>', 'with --wait: give up after this many seconds', '3600')
    .action(
      action(async (ctx, ...args: unknown[]) => {
        const nodes = withNodes ? (args[0] as string[]) : undefined;
        const flags = (withNodes ? args[1] : args[0]) as { wait?: boolean; timeout: string };
        let a = await ctx.client().post<ActionView>(`${API}/actions`, { name, parameters: nodes ? { target_nodes: nodes } : {} });
        ctx.info(`strata: ${name} ${a.id} created`);
        if (flags.wait) a = await waitFor(ctx, a.id, Number(flags.timeout));
        ctx.out(a, showAction);
        if (flags.wait && a.action_lifecycle !== 'Complete') throw Object.assign(new Error(`${name} ${a.id} ${a.action_lifecycle}`), { exitCode: 1 });
      }),
    );
}

function registerConfigdocs(site: Command): void {
  const cd = site.command('configdocs').description('the Shipyard buffer and committed documents');
  cd.command('put')
    .description('add a collection of documents (YAML files) to the buffer')
    .argument('<collection>', 'collection (a Deckhand bucket)')
    .argument('<file...>', 'YAML files, concatenated in order')
    .option('--buffer-mode <mode>', 'rejectoncontents (default), append or replace', 'rejectoncontents')
    .action(
      action(async (ctx, collection: string, files: string[], flags: { bufferMode: string }) => {
        const { readFile } = await import('node:fs/promises');
        const parts: string[] = [];
        for (const f of files) {
          const text = await readFile(f, 'utf8').catch((err: NodeJS.ErrnoException) => {
            throw new Error(`cannot read ${f}: ${err.code ?? err.message}`);
          });
          parts.push(text.startsWith('---') ? text : `---\n${text}`);
        }
        const res = await ctx.client().request(`POST`, `${API}/configdocs/${encodeURIComponent(collection)}`, {
          raw: { data: parts.join('\n'), contentType: 'application/x-yaml' },
          query: { buffermode: flags.bufferMode },
        });
        ctx.out(res, (r) => String(r.message));
      }),
    );
  cd.command('show')
    .description('print a collection at a version')
    .argument('<collection>')
    .option('--version <v>', 'buffer, committed, last_site_action or successful_site_action', 'buffer')
    .option('--cleartext-secrets', 'show secrets (admins only)')
    .action(
      action(async (ctx, collection: string, flags: { version: string; cleartextSecrets?: boolean }) => {
        const text = await ctx.client().request<string>('GET', `${API}/configdocs/${encodeURIComponent(collection)}`, { query: { version: flags.version, 'cleartext-secrets': flags.cleartextSecrets ? 'true' : undefined } });
        process.stdout.write(text);
      }),
    );
  cd.command('status')
    .description('each collection in the committed and buffer versions')
    .action(
      action(async (ctx) => {
        const rows = await ctx.client().get<{ collection_name: string; base_revision: number; new_revision: number; new_status: string }[]>(`${API}/configdocs`);
        ctx.out(rows, (r: typeof rows) => table([['COLLECTION', 'COMMITTED', 'BUFFER', 'STATUS'], ...r.map((x) => [x.collection_name, String(x.base_revision), String(x.new_revision), x.new_status])]));
      }),
    );
  site
    .command('commit')
    .description('validate the buffer as a site design and commit it (a refusal names each failing document)')
    .option('--force', 'commit despite failed validations')
    .option('--dryrun', 'validate only')
    .action(
      action(async (ctx, flags: { force?: boolean; dryrun?: boolean }) => {
        const res = await ctx.client().request('POST', `${API}/commitconfigdocs`, { query: { force: flags.force ? 'true' : undefined, dryrun: flags.dryrun ? 'true' : undefined } });
        ctx.out(res, (r) => String(r.message));
      }),
    );
}

function registerActions(site: Command): void {
  const act = site.command('action').description('site actions (Shipyard actions) and their steps');
  act.command('list').action(
    action(async (ctx) => {
      const list = await ctx.client().get<ActionView[]>(`${API}/actions`);
      ctx.out(list, (l: ActionView[]) => table([['ID', 'NAME', 'LIFECYCLE', 'CREATED', 'USER'], ...l.map((a) => [a.id, a.name, a.action_lifecycle, a.datetime, a.user])]));
    }),
  );
  act.command('show').argument('<id>').option('--wait', 'wait until it ends').action(
    action(async (ctx, id: string, flags: { wait?: boolean }) => {
      const a = flags.wait ? await waitFor(ctx, id, 3600) : await ctx.client().get<ActionView>(`${API}/actions/${encodeURIComponent(id)}`);
      ctx.out(a, showAction);
    }),
  );
  act.command('logs').argument('<id>').argument('<step>').action(
    action(async (ctx, id: string, step: string) => {
      process.stdout.write(await ctx.client().request<string>('GET', `${API}/actions/${encodeURIComponent(id)}/steps/${encodeURIComponent(step)}/logs`));
    }),
  );
  for (const [verb, control] of [['pause', 'pause'], ['resume', 'unpause'], ['stop', 'stop']] as const) {
    act.command(verb).argument('<id>').description(`${control} an action`).action(
      action(async (ctx, id: string) => {
        await ctx.client().post(`${API}/actions/${encodeURIComponent(id)}/control/${control}`);
        ctx.out({ id, control }, () => `strata: ${control} sent to ${id}`);
      }),
    );
  }
}

export function registerWorkflow(site: Command): void {
  registerConfigdocs(site);
  invoke(site, 'deploy', 'deploy_site', 'deploy the committed site: nodes per deployment group, then software per chart group');
  invoke(site, 'update', 'update_site', 'apply what `strata site plan` lists, and nothing else');
  invoke(site, 'update-software', 'update_software', 'apply the software part of the plan only');
  invoke(site, 'redeploy-server', 'redeploy_server', 'rebuild the named nodes from the committed design', true);
  invoke(site, 'test', 'test_site', 'run every workload test');
  site
    .command('plan')
    .description('what applying the committed documents would change: nodes to enroll or redeploy, workloads to create, update, delete')
    .action(
      action(async (ctx) => {
        const res = await ctx.client().get<{ table: string; committed_rev_id: number }>(`${API}/plan`);
        ctx.out(res, (r: typeof res) => `committed revision ${r.committed_rev_id}\n${r.table}`);
      }),
    );
  site
    .command('drift')
    .description('where the site differs from its last successful deploy (a node powered off, a sandbox gone); exit 3 when it drifted')
    .option('--cached', 'the last periodic check instead of one now')
    .action(
      action(async (ctx, flags: { cached?: boolean }) => {
        const res = await ctx.client().get<{ checked_at: string; revision: number | null; drift: { kind: string; name: string; problem: string; detail: string }[]; note?: string }>(`${API}/drift`, { cached: flags.cached ? 'true' : undefined });
        ctx.out(res, (r: typeof res) =>
          r.drift.length ? table([['KIND', 'NAME', 'PROBLEM', 'DETAIL'], ...r.drift.map((d) => [d.kind, d.name, d.problem, d.detail])]) : `no drift (${r.note ?? `revision ${r.revision}, checked ${r.checked_at}`})`,
        );
        if (res.drift.length) process.exitCode = 3;
      }),
    );
  registerActions(site);
}
