/**
 * `strata node …` and `strata port …`: bare-metal nodes through the server's
 * Ironic-compatible API (the same requests `openstack baremetal` sends);
 * `strata bmc …`, the virtual BMCs; and `strata boot …`, network boot.
 * Secrets (BMC passwords) never go on the command line: `--secret KEY` reads
 * the value from stdin.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { action, table, type CliContext, type ServerOption } from '../core/cli/index.js';
// The CLIs of the virtual BMCs and of network boot, from their cli.ts files: their index files
// load servers and image builders, too heavy for every `strata` call.
import { register as registerBmc } from './bmc/cli.js';
import { register as registerBoot } from './boot/cli.js';

/** The API version the CLI speaks (the server's maximum). */
const API_VERSION = '1.78';
const HEADERS = { 'X-OpenStack-Ironic-API-Version': API_VERSION };

export const serverOptions: ServerOption[] = [
  { flags: '--metal-conductor <name>', description: "metal: this conductor's hostname in reservations and GET /v1/conductors (default: the host name)" },
  { flags: '--metal-conductor-group <group>', description: 'metal: the conductor group this conductor serves (default: none)' },
  { flags: '--metal-api-max-limit <n>', description: 'metal: largest page of a /baremetal list (Ironic [api]max_limit)', defaultValue: '1000' },
  { flags: '--metal-power-sync-interval <s>', description: 'metal: seconds between power state syncs, 0 disables', defaultValue: '60' },
  { flags: '--metal-power-sync-max-retries <n>', description: 'metal: failed power syncs before a node goes into maintenance (fault: power failure)', defaultValue: '3' },
  { flags: '--metal-power-failure-recovery-interval <s>', description: 'metal: seconds between checks of nodes in power failure, 0 disables', defaultValue: '300' },
  { flags: '--metal-force-power-state <bool>', description: 'metal: on a power sync mismatch, set the hardware back to the recorded state', defaultValue: 'true' },
  { flags: '--metal-power-timeout <s>', description: 'metal: how long a power change may take', defaultValue: '60' },
  { flags: '--metal-heartbeat-interval <s>', description: 'metal: seconds between conductor heartbeats', defaultValue: '10' },
  { flags: '--metal-heartbeat-timeout <s>', description: 'metal: a conductor silent this long is offline and its nodes are taken over', defaultValue: '60' },
  { flags: '--metal-check-provision-state-interval <s>', description: 'metal: seconds between call-back timeout and orphan checks', defaultValue: '60' },
  { flags: '--metal-callback-timeout <s>', description: 'metal: how long a node waits for its ramdisk to call back, 0 disables', defaultValue: '1800' },
  { flags: '--metal-task-attempts <n>', description: 'metal: attempts of a provision or power task while the BMC is unreachable', defaultValue: '3' },
  { flags: '--metal-retry-delay <s>', description: 'metal: pause before retrying a task whose BMC was unreachable', defaultValue: '2' },
  { flags: '--metal-automated-clean <bool>', description: 'metal: run automated cleaning on provide and undeploy', defaultValue: 'true' },
  { flags: '--metal-public-url <url>', description: 'metal: the /baremetal API as booted nodes reach it (the agent\'s ipa-api-url), e.g. http://10.0.0.1:7070/baremetal (default: the server\'s URL)' },
  { flags: '--metal-kernel-append-params <params>', description: 'metal: kernel parameters added to every deploy ramdisk' },
  { flags: '--metal-fake-delay <ms>', description: 'metal: delay of fake-hardware deploy and boot calls, "N" or "MIN-MAX" milliseconds' },
];

const api = (ctx: CliContext, method: string, path: string, body?: unknown) =>
  ctx.client().request(method, `/baremetal/v1${path}`, { ...(body === undefined ? {} : { body }), headers: HEADERS });

const enc = encodeURIComponent;

function keyValues(list: string[] | undefined, what: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`${what} takes KEY=VALUE (got "${kv}")`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

const SECRETISH = /pass|secret|token|private_key/i;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Polls the node until it reaches `state` (or fails), as `openstack baremetal … --wait` does. */
async function waitFor(ctx: CliContext, node: string, state: string, timeoutS: number): Promise<any> {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const n = await api(ctx, 'GET', `/nodes/${enc(node)}?fields=uuid,name,provision_state,target_provision_state,last_error`);
    if (n.provision_state === state) return n;
    if (n.provision_state === 'error' || String(n.provision_state).endsWith(' failed')) {
      throw new Error(`node ${node} failed to reach "${state}": it is in "${n.provision_state}"${n.last_error ? `: ${n.last_error}` : ''}`);
    }
    if (Date.now() > deadline) throw new Error(`node ${node} did not reach "${state}" within ${timeoutS} s (now "${n.provision_state}")`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const nodeRow = (n: any) => [n.uuid, n.name ?? '', n.power_state ?? '', n.provision_state ?? '', n.maintenance ? 'yes' : 'no'];

/** Provision verbs, the state `--wait` waits for, and Ironic's verb for each. */
const VERBS: { cmd: string; target: string; reaches: string; what: string }[] = [
  { cmd: 'manage', target: 'manage', reaches: 'manageable', what: 'verify the BMC credentials and make the node manageable' },
  { cmd: 'provide', target: 'provide', reaches: 'available', what: 'clean the node and make it available' },
  { cmd: 'inspect', target: 'inspect', reaches: 'manageable', what: 'inspect the hardware' },
  { cmd: 'deploy', target: 'active', reaches: 'active', what: 'deploy the node' },
  { cmd: 'rebuild', target: 'rebuild', reaches: 'active', what: 're-deploy the node' },
  { cmd: 'undeploy', target: 'deleted', reaches: 'available', what: 'tear the instance down and clean the node' },
  { cmd: 'adopt', target: 'adopt', reaches: 'active', what: 'adopt a node deployed by other means' },
  { cmd: 'abort', target: 'abort', reaches: '', what: 'abort the wait for a ramdisk call-back' },
];

export function register(program: Command): void {
  const node = program.command('node').description('bare-metal nodes (Ironic-compatible; also reachable with `openstack baremetal`)');

  node
    .command('list')
    .description('list nodes')
    .option('--provision-state <state>', 'only nodes in this provision state')
    .option('--maintenance', 'only nodes in maintenance')
    .option('--driver <driver>', 'only nodes of this hardware type')
    .option('--limit <n>', 'at most this many (default: all, page by page)')
    .action(
      action(async (ctx, o: { provisionState?: string; maintenance?: boolean; driver?: string; limit?: string }) => {
        const q = new URLSearchParams();
        if (o.provisionState) q.set('provision_state', o.provisionState);
        if (o.maintenance) q.set('maintenance', 'true');
        if (o.driver) q.set('driver', o.driver);
        const all: any[] = [];
        const max = o.limit ? Number(o.limit) : Infinity;
        let marker: string | undefined;
        for (;;) {
          const page = new URLSearchParams(q);
          if (marker) page.set('marker', marker);
          const body = await api(ctx, 'GET', `/nodes?${page}`);
          all.push(...body.nodes);
          if (!body.next || all.length >= max) break;
          marker = body.nodes[body.nodes.length - 1].uuid;
        }
        ctx.out(all.slice(0, max), (ns: any[]) => table(['UUID', 'NAME', 'POWER', 'PROVISION STATE', 'MAINTENANCE'], ns.map(nodeRow)));
      }),
    );

  node
    .command('show <node>')
    .description('show a node (UUID or name)')
    .action(
      action(async (ctx, ident: string) => {
        const n = await api(ctx, 'GET', `/nodes/${enc(ident)}`);
        ctx.out(n, (x: any) =>
          Object.entries(x)
            .filter(([k]) => !['links', 'ports', 'states', 'portgroups', 'volume'].includes(k))
            .map(([k, v]) => `${k.padEnd(24)} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
            .join('\n'),
        );
      }),
    );

  node
    .command('create')
    .description('enroll a node')
    .requiredOption('--driver <hardware-type>', 'fake-hardware, ipmi or redfish')
    .option('--name <name>', 'a unique name')
    .option('--driver-info <key=value...>', 'BMC address and credentials (not passwords: see --secret)')
    .option('--driver-info-file <file>', 'driver_info as a JSON file (may hold passwords)')
    .option('--secret <key>', 'read this driver_info key (e.g. redfish_password) from stdin')
    .option('--property <key=value...>', 'hardware properties (cpus, memory_mb, local_gb, cpu_arch)')
    .option('--resource-class <class>', 'resource class for scheduling')
    .option('--deploy-interface <name>', 'deploy interface (e.g. fake, ramdisk)')
    .option('--boot-interface <name>', 'boot interface (e.g. fake, ipxe)')
    .action(
      action(async (ctx, o: any) => {
        const driverInfo: Record<string, unknown> = o.driverInfoFile ? JSON.parse(readFileSync(o.driverInfoFile, 'utf8')) : {};
        const kv = keyValues(o.driverInfo, '--driver-info');
        for (const k of Object.keys(kv)) {
          if (SECRETISH.test(k)) throw new Error(`--driver-info ${k}=… would put a secret on the command line: use --secret ${k} (reads stdin) or --driver-info-file`);
        }
        Object.assign(driverInfo, kv);
        if (o.secret) driverInfo[o.secret] = await readStdin();
        const body: Record<string, unknown> = { driver: o.driver, driver_info: driverInfo };
        if (o.name) body.name = o.name;
        if (o.property) body.properties = keyValues(o.property, '--property');
        if (o.resourceClass) body.resource_class = o.resourceClass;
        if (o.deployInterface) body.deploy_interface = o.deployInterface;
        if (o.bootInterface) body.boot_interface = o.bootInterface;
        const n = await api(ctx, 'POST', '/nodes', body);
        ctx.out(n, (x: any) => `created node ${x.uuid}${x.name ? ` (${x.name})` : ''} in state ${x.provision_state}`);
      }),
    );

  node
    .command('delete <node>')
    .description('delete a node')
    .action(
      action(async (ctx, ident: string) => {
        await api(ctx, 'DELETE', `/nodes/${enc(ident)}`);
        ctx.out({ deleted: ident }, () => `deleted node ${ident}`);
      }),
    );

  for (const v of VERBS) {
    const cmd = node.command(`${v.cmd} <node>`).description(v.what);
    if (v.reaches) cmd.option('--wait [seconds]', `wait until the node is ${v.reaches}`);
    cmd.action(
      action(async (ctx, ident: string, o: { wait?: string | boolean }) => {
        await api(ctx, 'PUT', `/nodes/${enc(ident)}/states/provision`, { target: v.target });
        if (o.wait !== undefined && v.reaches) {
          const n = await waitFor(ctx, ident, v.reaches, typeof o.wait === 'string' ? Number(o.wait) : 1800);
          ctx.out(n, (x: any) => `node ${ident} is ${x.provision_state}`);
        } else {
          ctx.out({ node: ident, requested: v.target }, () => `${v.cmd} requested for node ${ident}`);
        }
      }),
    );
  }

  node
    .command('power <node> <on|off|reboot|soft-off|soft-reboot>')
    .description('change the power state')
    .action(
      action(async (ctx, ident: string, what: string) => {
        const targets: Record<string, string> = { on: 'power on', off: 'power off', reboot: 'rebooting', 'soft-off': 'soft power off', 'soft-reboot': 'soft rebooting' };
        const target = targets[what];
        if (!target) throw new Error(`power takes on, off, reboot, soft-off or soft-reboot (got "${what}")`);
        await api(ctx, 'PUT', `/nodes/${enc(ident)}/states/power`, { target });
        ctx.out({ node: ident, requested: target }, () => `${target} requested for node ${ident}`);
      }),
    );

  node
    .command('maintenance <node> <set|unset>')
    .description('put a node into maintenance or take it out')
    .option('--reason <text>', 'why (with set)')
    .action(
      action(async (ctx, ident: string, op: string, o: { reason?: string }) => {
        if (op !== 'set' && op !== 'unset') throw new Error(`maintenance takes set or unset (got "${op}")`);
        if (op === 'set') await api(ctx, 'PUT', `/nodes/${enc(ident)}/maintenance`, o.reason ? { reason: o.reason } : {});
        else await api(ctx, 'DELETE', `/nodes/${enc(ident)}/maintenance`);
        ctx.out({ node: ident, maintenance: op === 'set' }, () => `maintenance ${op} for node ${ident}`);
      }),
    );

  node
    .command('boot-device <node> <device>')
    .description('set the boot device for the next boot (pxe, disk, cdrom, bios, safe)')
    .option('--persistent', 'for every boot, not just the next one')
    .action(
      action(async (ctx, ident: string, device: string, o: { persistent?: boolean }) => {
        await api(ctx, 'PUT', `/nodes/${enc(ident)}/management/boot_device`, { boot_device: device, persistent: Boolean(o.persistent) });
        ctx.out({ node: ident, boot_device: device }, () => `boot device of node ${ident} set to ${device}`);
      }),
    );

  node
    .command('validate <node>')
    .description("check the node's driver interfaces")
    .action(
      action(async (ctx, ident: string) => {
        const v = await api(ctx, 'GET', `/nodes/${enc(ident)}/validate`);
        ctx.out(v, (x: any) => table(['INTERFACE', 'RESULT', 'REASON'], Object.entries(x).map(([k, r]: [string, any]) => [k, r.result, r.reason ?? ''])));
      }),
    );

  const port = program.command('port').description('bare-metal ports (NICs of nodes)');
  port
    .command('list')
    .description('list ports')
    .option('--node <node>', 'only ports of this node')
    .action(
      action(async (ctx, o: { node?: string }) => {
        const q = o.node ? `?node=${enc(o.node)}&detail=true` : '?detail=true';
        const { ports } = await api(ctx, 'GET', `/ports${q}`);
        ctx.out(ports, (ps: any[]) => table(['UUID', 'ADDRESS', 'NODE', 'PXE'], ps.map((p) => [p.uuid, p.address, p.node_uuid, p.pxe_enabled])));
      }),
    );
  port
    .command('create <address>')
    .description('add a port (MAC address) to a node')
    .requiredOption('--node <node>', 'the node (UUID or name)')
    .option('--no-pxe', 'the port does not PXE boot')
    .action(
      action(async (ctx, address: string, o: { node: string; pxe: boolean }) => {
        const n = await api(ctx, 'GET', `/nodes/${enc(o.node)}?fields=uuid`);
        const p = await api(ctx, 'POST', '/ports', { address, node_uuid: n.uuid, pxe_enabled: o.pxe });
        ctx.out(p, (x: any) => `created port ${x.uuid} (${x.address})`);
      }),
    );
  port
    .command('delete <uuid>')
    .description('delete a port')
    .action(
      action(async (ctx, uuid: string) => {
        await api(ctx, 'DELETE', `/ports/${enc(uuid)}`);
        ctx.out({ deleted: uuid }, () => `deleted port ${uuid}`);
      }),
    );

  registerBmc(program);
  registerBoot(program);
}
