/**
 * `strata subcloud add|list|show|manage|unmanage|update|delete` and
 * `strata subcloud-group add|list|show|update|delete`: dcmanager's API on
 * the system controller, as `dcmanager subcloud …` shows it. The subcloud's
 * admin token is read from a file, stdin or $STRATA_SUBCLOUD_TOKEN, never
 * from the command line. Light imports only.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { action, table } from '../../core/cli/index.js';

const API = '/dcmanager/v1.0';
const enc = encodeURIComponent;

// Not --token-file: that global option names the token the CLI itself calls the controller with.
function readToken(o: { subcloudTokenFile?: string; subcloudTokenStdin?: boolean }): string {
  let t: string | undefined;
  if (o.subcloudTokenFile) t = readFileSync(o.subcloudTokenFile, 'utf8');
  else if (o.subcloudTokenStdin) t = readFileSync(0, 'utf8');
  else t = process.env.STRATA_SUBCLOUD_TOKEN;
  t = t?.trim();
  if (!t) throw new Error("the subcloud's admin token is needed: --subcloud-token-file FILE, --subcloud-token-stdin, or $STRATA_SUBCLOUD_TOKEN (never on the command line)");
  return t;
}

const listRows = (list: any[]) =>
  table(
    ['ID', 'NAME', 'MANAGEMENT', 'AVAILABILITY', 'DEPLOY STATUS', 'SYNC', 'GROUP', 'ENDPOINT'],
    list.map((s) => [s.id, s.name, s['management-state'], s['availability-status'], s['deploy-status'], s.sync_status, s.group_id, s.endpoint]),
  );

const showOne = (s: any) =>
  table(
    ['FIELD', 'VALUE'],
    [
      ...Object.entries(s).filter(([k]) => k !== 'endpoint_sync_status').map(([k, v]) => [k, v]),
      ...(s.endpoint_sync_status ?? []).map((e: any) => [`${e.endpoint_type}_sync_status`, e.sync_status]),
    ],
  );

const groupRows = (list: any[]) =>
  table(['ID', 'NAME', 'APPLY TYPE', 'MAX PARALLEL', 'DESCRIPTION'], list.map((g) => [g.id, g.name, g.update_apply_type, g.max_parallel_subclouds, g.description]));

export function registerDc(program: Command): void {
  const sc = program.command('subcloud').description("the fleet's subclouds, on the system controller (dcmanager subcloud …)");
  sc.command('add')
    .description('add a running Strata server as a subcloud (unmanaged until `manage`)')
    .requiredOption('--name <name>', 'subcloud name')
    .requiredOption('--endpoint <url>', "the subcloud's Strata URL, e.g. http://10.0.0.2:7070")
    .option('--subcloud-token-file <file>', "file holding an admin token of the subcloud (its data/admin-token)")
    .option('--subcloud-token-stdin', "read the subcloud's admin token from stdin")
    .option('--group <id>', 'subcloud group id (default 1, Default)')
    .option('--description <text>')
    .option('--location <text>')
    .action(
      action(async (ctx, o: { name: string; endpoint: string; subcloudTokenFile?: string; subcloudTokenStdin?: boolean; group?: string; description?: string; location?: string }) => {
        const body: Record<string, unknown> = { name: o.name, endpoint: o.endpoint, token: readToken(o) };
        if (o.group !== undefined) body.group_id = Number(o.group);
        if (o.description !== undefined) body.description = o.description;
        if (o.location !== undefined) body.location = o.location;
        ctx.out(await ctx.client().post(`${API}/subclouds`, body), showOne);
      }),
    );
  sc.command('list')
    .description('list subclouds with their management, availability and sync status')
    .action(action(async (ctx) => ctx.out((await ctx.client().get(`${API}/subclouds`)).subclouds, listRows)));
  sc.command('show')
    .argument('<subcloud>', 'name or id')
    .description('a subcloud with its per-endpoint sync status')
    .action(action(async (ctx, ref: string) => ctx.out(await ctx.client().get(`${API}/subclouds/${enc(ref)}/detail`), showOne)));
  for (const [verb, state] of [['manage', 'managed'], ['unmanage', 'unmanaged']] as const) {
    sc.command(verb)
      .argument('<subcloud>', 'name or id')
      .description(state === 'managed' ? 'hand the subcloud to the controller: it is audited and kept in sync' : 'stop syncing to the subcloud (it is still audited)')
      .action(action(async (ctx, ref: string) => ctx.out(await ctx.client().patch(`${API}/subclouds/${enc(ref)}`, { 'management-state': state }), showOne)));
  }
  sc.command('update')
    .argument('<subcloud>', 'name or id')
    .option('--group <id>')
    .option('--description <text>')
    .option('--location <text>')
    .description("change a subcloud's group, description or location")
    .action(
      action(async (ctx, ref: string, o: { group?: string; description?: string; location?: string }) => {
        const body: Record<string, unknown> = {};
        if (o.group !== undefined) body.group_id = Number(o.group);
        if (o.description !== undefined) body.description = o.description;
        if (o.location !== undefined) body.location = o.location;
        if (Object.keys(body).length === 0) throw new Error('nothing to update: give --group, --description or --location');
        ctx.out(await ctx.client().patch(`${API}/subclouds/${enc(ref)}`, body), showOne);
      }),
    );
  sc.command('delete')
    .argument('<subcloud...>', 'names or ids (each unmanaged)')
    .description('forget subclouds (the servers themselves keep running)')
    .action(
      action(async (ctx, refs: string[]) => {
        for (const r of refs) await ctx.client().delete(`${API}/subclouds/${enc(r)}`);
        ctx.out({ deleted: refs }, () => refs.join('\n'));
      }),
    );

  const g = program.command('subcloud-group').description('groups of subclouds and how updates apply to them (dcmanager subcloud-group …)');
  g.command('add')
    .requiredOption('--name <name>')
    .option('--description <text>')
    .option('--update-apply-type <type>', 'serial or parallel', 'parallel')
    .option('--max-parallel-subclouds <n>', 'at most this many updated at once', '2')
    .description('create a subcloud group')
    .action(
      action(async (ctx, o: { name: string; description?: string; updateApplyType: string; maxParallelSubclouds: string }) => {
        const body: Record<string, unknown> = { name: o.name, update_apply_type: o.updateApplyType, max_parallel_subclouds: Number(o.maxParallelSubclouds) };
        if (o.description !== undefined) body.description = o.description;
        ctx.out(await ctx.client().post(`${API}/subcloud-groups`, body), (x) => groupRows([x]));
      }),
    );
  g.command('list').description('list subcloud groups').action(action(async (ctx) => ctx.out((await ctx.client().get(`${API}/subcloud-groups`)).subcloud_groups, groupRows)));
  g.command('show')
    .argument('<group>', 'name or id')
    .description('a group and its subclouds')
    .action(
      action(async (ctx, ref: string) => {
        const group = await ctx.client().get(`${API}/subcloud-groups/${enc(ref)}`);
        const { subclouds } = await ctx.client().get(`${API}/subcloud-groups/${enc(ref)}/subclouds`);
        ctx.out({ ...group, subclouds }, (x: any) => `${groupRows([x])}\n\n${x.subclouds.length ? listRows(x.subclouds) : '(no subclouds)'}`);
      }),
    );
  g.command('update')
    .argument('<group>', 'name or id')
    .option('--name <name>')
    .option('--description <text>')
    .option('--update-apply-type <type>', 'serial or parallel')
    .option('--max-parallel-subclouds <n>')
    .description('change a subcloud group')
    .action(
      action(async (ctx, ref: string, o: { name?: string; description?: string; updateApplyType?: string; maxParallelSubclouds?: string }) => {
        const body: Record<string, unknown> = {};
        if (o.name !== undefined) body.name = o.name;
        if (o.description !== undefined) body.description = o.description;
        if (o.updateApplyType !== undefined) body.update_apply_type = o.updateApplyType;
        if (o.maxParallelSubclouds !== undefined) body.max_parallel_subclouds = Number(o.maxParallelSubclouds);
        if (Object.keys(body).length === 0) throw new Error('nothing to update');
        ctx.out(await ctx.client().patch(`${API}/subcloud-groups/${enc(ref)}`, body), (x) => groupRows([x]));
      }),
    );
  g.command('delete')
    .argument('<group>', 'name or id (it must be empty)')
    .description('delete a subcloud group')
    .action(
      action(async (ctx, ref: string) => {
        await ctx.client().delete(`${API}/subcloud-groups/${enc(ref)}`);
        ctx.out({ deleted: ref }, () => ref);
      }),
    );
}
