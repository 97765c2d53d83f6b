/**
 * `strata sandbox …`: run a command in a one-shot sandbox on the server's
 * host (`run`), or create long-lived sandboxes and `exec`, `cp`, `ls`, `rm`
 * them. `run` and `exec` behave like the command itself: its stdout and
 * stderr unchanged on ours (Strata's own messages only on stderr), our stdin
 * fed to it, SIGINT/SIGTERM/SIGHUP forwarded to it, and its exit status as
 * ours (128+N when signal N killed it, 124 when it timed out, 125 when
 * Strata itself failed). Top-level imports stay light: every `strata` call
 * loads this file; the streaming code loads inside the actions.
 */
import type { Command } from 'commander';
import { action, table, type CliContext, type ServerOption } from '../core/cli/index.js';

export const serverOptions: ServerOption[] = [
  { flags: '--sandbox-state <dir>', description: 'where sandboxes keep their state (default: DATA/sandbox; keep it short: VM sockets need paths under 108 bytes)' },
  { flags: '--sandbox-cache <dir>', description: 'sandbox build cache: agent, guest kernel, unpacked images (default: $STRATA_SANDBOX_CACHE or .cache/sandbox)' },
  { flags: '--sandbox-classes <file>', description: 'runtime classes (YAML list of {name, runtime, overhead}; default: the built-in ones)' },
  { flags: '--sandbox-default-class <name>', description: 'the runtime class of a sandbox that names neither runtime nor class (default: default)' },
  { flags: '--sandbox-copy-limit <bytes>', description: 'largest upload copied into a sandbox (default 1 GiB)' },
  { flags: '--sandbox-image-roots <dirs>', description: 'comma-separated host directories non-admins may take images from (default: none, busybox only)' },
];

const API = '/sandbox/api/v1';
const FAILED = 125;

interface SpecOpts {
  runtime?: string;
  runtimeClass?: string;
  image?: string;
  memory?: string;
  cpus?: string;
  network?: boolean;
  timeout?: string;
  env?: string[];
  workdir?: string;
  hostname?: string;
  mount?: string[];
  accelerator?: string[];
}

interface ExecOpts {
  env?: string[];
  workdir?: string;
  timeout?: string;
  tty?: boolean;
  stdin?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parseEnv(list: string[] = []): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  const env: Record<string, string> = {};
  for (const kv of list) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--env ${JSON.stringify(kv)}: expected NAME=VALUE`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

function parseMount(text: string): { source: string; target: string; readOnly?: boolean } {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3 || (parts[2] !== undefined && parts[2] !== 'ro' && parts[2] !== 'rw'))
    throw new Error(`--mount ${JSON.stringify(text)}: expected HOST_DIR:SANDBOX_PATH[:ro]`);
  return { source: parts[0]!, target: parts[1]!, ...(parts[2] === 'ro' ? { readOnly: true } : {}) };
}

function spec(o: SpecOpts): Record<string, unknown> {
  const env = parseEnv(o.env);
  return {
    ...(o.runtime ? { runtime: o.runtime } : {}),
    ...(o.runtimeClass ? { runtimeClass: o.runtimeClass } : {}),
    ...(o.image ? { image: o.image } : {}),
    ...(o.memory ? { memory: o.memory } : {}),
    ...(o.cpus ? { cpus: o.cpus } : {}),
    ...(o.network ? { network: true } : {}),
    ...(o.timeout ? { timeout: o.timeout } : {}),
    ...(env ? { env } : {}),
    ...(o.workdir ? { workdir: o.workdir } : {}),
    ...(o.hostname ? { hostname: o.hostname } : {}),
    ...(o.mount?.length ? { mounts: o.mount.map(parseMount) } : {}),
    ...(o.accelerator?.length ? { accelerators: o.accelerator } : {}),
  };
}

function specOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--runtime <name>', 'runtime: process, namespaces, runc, gvisor or vm')
    .option('--runtime-class <name>', 'runtime class (default, trusted, container, gvisor, secure, vm, or the server\'s own)')
    .option('--image <ref>', 'busybox (default), dir:/path or oci-archive:/path.tar on the server\'s host')
    .option('--memory <size>', 'memory limit (256Mi, 1G)')
    .option('--cpus <n>', 'CPU limit (0.5, 2, 500m)')
    .option('--network', 'give the sandbox a network (default: loopback only)')
    .option('--timeout <duration>', what)
    .option('--env <NAME=VALUE>', 'environment variable (repeatable)', collect)
    .option('--workdir <dir>', 'working directory in the sandbox')
    .option('--hostname <name>', 'host name in the sandbox')
    .option('--mount <host:path[:ro]>', 'share a host directory (admins only; repeatable)', collect)
    .option('--accelerator <profile>', 'bind the accelerators a device profile (or an accelerator request uuid) names, released with the sandbox (repeatable)', collect);
}

function execOptions(cmd: Command): Command {
  return cmd
    .option('-t, --tty', 'run under a terminal (raw mode here, resizes forwarded)')
    .option('-n, --no-stdin', 'do not feed our stdin to the command (it reads end-of-file)');
}

/**
 * Runs an exec stream like the command itself and exits with its status.
 * Signals: the first SIGINT/SIGTERM/SIGHUP goes to the command's process
 * group; a third in a row gives up on it (the server then kills it).
 */
async function streamLikeCommand(ctx: CliContext, path: string, body: Record<string, unknown>, o: ExecOpts): Promise<never> {
  const { streamExec } = await import('./api/client.js');
  const tty = Boolean(o.tty);
  const feed = o.stdin !== false;
  const payload = { ...body, stdin: feed, ...(tty ? { tty: { rows: process.stdout.rows || 24, cols: process.stdout.columns || 80 } } : {}) };
  let control: import('./api/client.js').ExecControl | undefined;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    // before the command started there is nothing to forward to: stop (the server discards the sandbox)
    if (signals >= 3 || !control) {
      if (signals >= 3) process.stderr.write(`strata: ${sig} three times: giving up on the command\n`);
      restore();
      process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as Record<string, number>)[sig]!);
    }
    void control.signal(sig);
  };
  // whoever reads our stdout went away (`… | head -1`): end as a writer to a closed pipe does, by SIGPIPE
  // (the server kills the command when we disconnect)
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    restore();
    process.exit(err.code === 'EPIPE' ? 128 + 13 : FAILED);
  });
  const forwarded: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of forwarded) process.on(s, onSignal);
  const raw = tty && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  const onResize = () => void control?.resize(process.stdout.rows || 24, process.stdout.columns || 80);
  if (tty) process.stdout.on('resize', onResize);
  function restore() {
    if (raw) process.stdin.setRawMode(false);
  }
  let status = FAILED;
  try {
    const outcome = await streamExec(ctx.client(), {
      path,
      body: payload,
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: feed ? process.stdin : undefined,
      onStarted: (_f, c) => {
        control = c;
      },
    });
    status = outcome.status;
    if (outcome.error) process.stderr.write(`strata: ${outcome.error.message}\n`);
    else if (outcome.exit?.timedOut) process.stderr.write(`strata: the command ran past its timeout and was killed\n`);
    else if (outcome.exit?.oomKilled) process.stderr.write(`strata: the command was killed for running out of memory\n`);
  } catch (err) {
    restore();
    throw Object.assign(err as Error, { exitCode: FAILED });
  }
  restore();
  // our stdout may be a slow pipe: exit once it has taken everything
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(status);
}

interface View {
  id: string;
  project: string;
  runtime: string;
  runtimeClass: string | null;
  image: string;
  state: string;
  error: string | null;
  createdAt: string;
  server: string | null;
}

const age = (iso: string) => {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : s < 172_800 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86400)}d`;
};

function showSandbox(v: View & Record<string, unknown>): string {
  const lines = [`sandbox ${v.id}  ${v.state}  ${v.runtime}${v.runtimeClass ? ` (class ${v.runtimeClass})` : ''}  image ${v.image}`, `  project ${v.project}, created ${v.createdAt} on ${v.server ?? '?'}`];
  if (v.error) lines.push(`  error: ${v.error}`);
  const limits = v.limits as Array<{ limit: string; value: string; mechanism: string; enforced: boolean }> | undefined;
  for (const l of limits ?? []) lines.push(`  ${l.limit} ${l.value}: ${l.enforced ? l.mechanism : `not enforced (${l.mechanism})`}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  const sandbox = program.command('sandbox').description('run commands in isolated sandboxes on the server\'s host (namespaces, runc, gVisor, VMs)');

  execOptions(specOptions(sandbox.command('run'), 'kill the command after this long (30s, 5m)'))
    .description('run a command in a fresh sandbox, streaming its output; exits with its status')
    .usage('[options] -- COMMAND [ARG...]')
    .argument('<command...>', 'the command and its arguments (after --)')
    .action(
      action(async (ctx, command: string[], o: SpecOpts & ExecOpts) => {
        const { timeout, ...rest } = o;
        await streamLikeCommand(ctx, `${API}/run`, { ...spec(rest), command, ...(timeout ? { timeout } : {}) }, o);
      }),
    );

  specOptions(sandbox.command('create'), 'destroy the sandbox after this long (30s, 5m, 2h)')
    .description('create a long-lived sandbox and print its id')
    .action(
      action(async (ctx, o: SpecOpts) => {
        const view = await ctx.client().post(`${API}/sandboxes`, spec(o));
        ctx.out(view, (v: View) => v.id);
      }),
    );

  execOptions(sandbox.command('exec'))
    .description('run a command in a sandbox, streaming its output; exits with its status')
    .usage('[options] ID -- COMMAND [ARG...]')
    .argument('<id>', 'the sandbox')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('--env <NAME=VALUE>', 'environment variable (repeatable)', collect)
    .option('--workdir <dir>', 'working directory in the sandbox')
    .option('--timeout <duration>', 'kill the command after this long (30s, 5m)')
    .action(
      action(async (ctx, id: string, command: string[], o: ExecOpts) => {
        const env = parseEnv(o.env);
        const body = { command, ...(env ? { env } : {}), ...(o.workdir ? { cwd: o.workdir } : {}), ...(o.timeout ? { timeout: o.timeout } : {}) };
        await streamLikeCommand(ctx, `${API}/sandboxes/${encodeURIComponent(id)}/exec`, body, o);
      }),
    );

  sandbox
    .command('cp')
    .description('copy files or directories between here and a sandbox: one side is ID:/path; DST ending in / (or an existing local directory) receives SRC by its name; - is a tar stream on stdin/stdout')
    .argument('<src>', 'a local path, ID:/path, or -')
    .argument('<dst>', 'a local path, ID:/path, or -')
    .action(
      action(async (ctx, src: string, dst: string) => {
        const { copyIn, copyOut, parseCopyArg } = await import('./api/client.js');
        const from = parseCopyArg(src);
        const to = parseCopyArg(dst);
        if (Boolean(from) === Boolean(to)) throw new Error('cp: exactly one of SRC and DST must be a sandbox path (ID:/path)');
        const r = to ? await copyIn(ctx.client(), src, to) : await copyOut(ctx.client(), from!, dst);
        if (ctx.json) ctx.out(r);
        else if (dst !== '-') ctx.info(`copied ${r.from} to ${r.to}`);
      }),
    );

  sandbox
    .command('ls')
    .description('list sandboxes (your project\'s; admins see every project)')
    .option('--project <name>', 'only this project (admins)')
    .action(
      action(async (ctx, o: { project?: string }) => {
        const { sandboxes } = await ctx.client().get(`${API}/sandboxes`, { project: o.project });
        ctx.out(sandboxes, (list: View[]) =>
          list.length === 0
            ? ''
            : table(
                ['ID', 'PROJECT', 'RUNTIME', 'STATE', 'IMAGE', 'AGE', 'ERROR'],
                list.map((v) => [v.id, v.project, v.runtimeClass ? `${v.runtime} (${v.runtimeClass})` : v.runtime, v.state, v.image, age(v.createdAt), v.error ?? '']),
              ),
        );
      }),
    );

  sandbox
    .command('show')
    .description('show a sandbox: state, runtime, limits and how each is enforced')
    .argument('<id>', 'the sandbox')
    .action(
      action(async (ctx, id: string) => {
        ctx.out(await ctx.client().get(`${API}/sandboxes/${encodeURIComponent(id)}`), showSandbox);
      }),
    );

  sandbox
    .command('rm')
    .description('destroy sandboxes (nothing of them is left on the host) and forget them')
    .argument('<id...>', 'the sandboxes')
    .option('--force', 'admins: drop the record even when its server is unreachable')
    .action(
      action(async (ctx, ids: string[], o: { force?: boolean }) => {
        const client = ctx.client();
        const failed: string[] = [];
        for (const id of ids) {
          try {
            await client.request('DELETE', `${API}/sandboxes/${encodeURIComponent(id)}`, { query: o.force ? { force: true } : undefined });
            if (!ctx.json) process.stdout.write(`${id}\n`);
          } catch (err) {
            failed.push(id);
            ctx.warn((err as Error).message);
          }
        }
        if (ctx.json) ctx.out({ removed: ids.filter((i) => !failed.includes(i)), failed });
        if (failed.length) throw new Error(`could not remove ${failed.length} of ${ids.length} sandbox(es)`);
      }),
    );

  sandbox
    .command('runtimes')
    .description('runtimes and runtime classes on the server\'s host, and whether each is usable there')
    .action(
      action(async (ctx) => {
        const r = await ctx.client().get(`${API}/runtimes`);
        ctx.out(r, (x: { runtimes: Array<{ name: string; isolation: string; available: boolean; problems: string[] }>; classes: Array<{ name: string; runtime: string; description?: string }> }) =>
          [
            table(['RUNTIME', 'ISOLATION', 'USABLE'], x.runtimes.map((t) => [t.name, t.isolation, t.available ? 'yes' : `no: ${t.problems.join('; ')}`])),
            '',
            table(['CLASS', 'RUNTIME', 'DESCRIPTION'], x.classes.map((c) => [c.name, c.runtime, c.description ?? ''])),
          ].join('\n'),
        );
      }),
    );
}
