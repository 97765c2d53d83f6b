/**
 * `strata strategy create|show|apply|abort|delete`: dcmanager's
 * sw-update-strategy on the system controller, as `dcmanager
 * <type>-strategy …` shows it. `apply` follows the steps until the strategy
 * rests, one line per step change on stderr. Light imports only.
 */
import type { Command } from 'commander';
import { action, table } from '../../core/cli/index.js';

const API = '/dcmanager/v1.0/sw-update-strategy';
const RESTING = ['initial', 'complete', 'aborted', 'failed'];

const showStrategy = (s: any) =>
  table(
    ['FIELD', 'VALUE'],
    Object.entries(s)
      .filter(([k]) => k !== 'steps')
      .map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : v]),
  );

const stepRows = (steps: any[]) => table(['CLOUD', 'STAGE', 'STATE', 'DETAILS', 'STARTED', 'FINISHED'], steps.map((s) => [s.cloud, s.stage, s.state, s.details, s['started-at'] ?? '', s['finished-at'] ?? '']));

const typeQuery = (t?: string) => (t ? `?type=${encodeURIComponent(t)}` : '');

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer (got "${v}")`);
  return n;
}

export function registerStrategy(program: Command): void {
  const st = program.command('strategy').description('orchestrated updates of the fleet, on the system controller (dcmanager sw-update-strategy)');
  st.command('create')
    .description('create the strategy: one step per managed, online subcloud (of --group, or --cloud-name alone)')
    .requiredOption('--type <type>', 'site-revision (a site revision tagged "fleet") or release')
    .option('--subcloud-apply-type <type>', 'serial or parallel (default: the group\'s)')
    .option('--max-parallel-subclouds <n>', 'at most this many subclouds at once (default: the group\'s)')
    .option('--stop-on-failure <bool>', 'true (default) or false', 'true')
    .option('--cloud-name <subcloud>', 'only this subcloud')
    .option('--group <group>', 'only the subclouds of this group (name or id)')
    .option('--revision <id>', 'site-revision: the controller revision to apply (default: the newest tagged "fleet")')
    .option('--release <dir>', 'release: the release directory on each subcloud (docs/edge-updates.md)')
    .action(
      action(async (ctx, o: { type: string; subcloudApplyType?: string; maxParallelSubclouds?: string; stopOnFailure: string; cloudName?: string; group?: string; revision?: string; release?: string }) => {
        if (o.stopOnFailure !== 'true' && o.stopOnFailure !== 'false') throw new Error(`--stop-on-failure must be true or false (got "${o.stopOnFailure}")`);
        const body: Record<string, unknown> = { type: o.type, 'stop-on-failure': o.stopOnFailure === 'true' };
        if (o.subcloudApplyType !== undefined) body['subcloud-apply-type'] = o.subcloudApplyType;
        if (o.maxParallelSubclouds !== undefined) body['max-parallel-subclouds'] = positiveInt('--max-parallel-subclouds', o.maxParallelSubclouds);
        if (o.cloudName !== undefined) body.cloud_name = o.cloudName;
        if (o.group !== undefined) body.subcloud_group = o.group;
        const extra: Record<string, unknown> = {};
        if (o.revision !== undefined) extra.revision = positiveInt('--revision', o.revision);
        if (o.release !== undefined) extra.release = o.release;
        if (Object.keys(extra).length) body['extra-args'] = extra;
        ctx.out(await ctx.client().post(API, body), showStrategy);
      }),
    );
  st.command('show')
    .description('the strategy and its steps per subcloud')
    .option('--type <type>')
    .action(
      action(async (ctx, o: { type?: string }) => {
        const s = await ctx.client().get(`${API}${typeQuery(o.type)}`);
        const steps = (await ctx.client().get(`${API}/steps${typeQuery(o.type)}`))['strategy-steps'];
        ctx.out({ ...s, steps }, (x: any) => `${showStrategy(x)}\n\n${stepRows(x.steps)}`);
      }),
    );
  st.command('apply')
    .description('apply the strategy; follows it until it completes, fails or is aborted (non-zero unless complete)')
    .option('--type <type>')
    .option('--no-wait', 'return once applying')
    .option('--timeout <s>', 'stop following after this many seconds', '3600')
    .action(
      action(async (ctx, o: { type?: string; wait: boolean; timeout: string }) => {
        const client = ctx.client();
        let s = await client.post(`${API}/actions`, { action: 'apply', ...(o.type ? { type: o.type } : {}) });
        if (!o.wait) return ctx.out(s, showStrategy);
        const seen = new Map<string, string>();
        const deadline = Date.now() + positiveInt('--timeout', o.timeout) * 1000;
        for (;;) {
          const steps = (await client.get(`${API}/steps${typeQuery(s.type)}`))['strategy-steps'] as any[];
          for (const step of steps) {
            const line = `${step.state}${step.details ? `: ${step.details}` : ''}`;
            if (seen.get(step.cloud) !== line) {
              seen.set(step.cloud, line);
              if (step.state !== 'initial') ctx.info(`${step.cloud}: ${line}`);
            }
          }
          s = await client.get(`${API}${typeQuery(s.type)}`);
          if (RESTING.includes(s.state) && s.state !== 'initial') {
            ctx.out({ ...s, steps }, (x: any) => `${showStrategy(x)}\n\n${stepRows(x.steps)}`);
            if (s.state !== 'complete') throw new Error(`the strategy ended ${s.state}`);
            return;
          }
          if (Date.now() > deadline) throw new Error(`the strategy is still ${s.state} after ${o.timeout} s (it goes on: strata strategy show)`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }),
    );
  st.command('abort')
    .description('abort the strategy: steps in progress finish, no more start')
    .option('--type <type>')
    .action(action(async (ctx, o: { type?: string }) => ctx.out(await ctx.client().post(`${API}/actions`, { action: 'abort', ...(o.type ? { type: o.type } : {}) }), showStrategy)));
  st.command('delete')
    .description('delete the strategy (not while it is applying)')
    .option('--type <type>')
    .action(action(async (ctx, o: { type?: string }) => ctx.out(await ctx.client().delete(`${API}${typeQuery(o.type)}`), showStrategy)));
}
