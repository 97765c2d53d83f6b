/**
 * `strata accel …`: devices, deployables, device profiles, accelerator
 * requests, images, allocations and a utilisation view, over the
 * Cyborg-compatible API (the same that `openstack accelerator` uses), and
 * the accel module's `strata server` options.
 */
import { createReadStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import { action, table, type CliContext, type ServerOption } from '../core/cli/index.js';

export const serverOptions: ServerOption[] = [
  { flags: '--accel-drivers <list>', description: 'accelerator drivers: comma list of fake, pci, nvidia, intel-fpga, or none (default: the real drivers whose hardware is present)' },
  { flags: '--accel-sysfs-root <dir>', description: 'the sysfs the pci, nvidia and intel-fpga drivers read (default /sys; a fake tree in tests)' },
  { flags: '--accel-dev-root <dir>', description: 'where device nodes are (default /dev)' },
  { flags: '--accel-nvidia-smi <path>', description: 'nvidia-smi to ask for GPU names, memory, UUIDs and MIG instances (default: /usr/bin/nvidia-smi when present)' },
  { flags: '--accel-hostname <name>', description: "the hostname of this server's own devices (default: the host name)" },
  { flags: '--accel-discovery-interval <s>', description: 'seconds between discoveries on this host (default 60; 0: at start only)' },
  { flags: '--accel-image-limit <bytes>', description: 'largest bitstream image accepted (default 512 MiB)' },
];

const HEADERS = { 'OpenStack-API-Version': 'accelerator 2.3' };
const api = (ctx: CliContext, method: string, path: string, body?: unknown) =>
  ctx.client().request(method, `/accelerator/v2${path}`, { ...(body === undefined ? {} : { body }), headers: HEADERS });
const enc = encodeURIComponent;

function show(x: Record<string, unknown>): string {
  return Object.entries(x)
    .filter(([k]) => k !== 'links')
    .map(([k, v]) => `${k.padEnd(26)} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

export function register(program: Command): void {
  const accel = program.command('accel').description('accelerators: GPUs and FPGAs (Cyborg-compatible; also reachable with `openstack accelerator`)');

  accel
    .command('devices')
    .description('list devices')
    .option('--hostname <host>', 'only this host')
    .option('--type <type>', 'only this type (GPU, FPGA, ...)')
    .action(
      action(async (ctx, o: { hostname?: string; type?: string }) => {
        const q = new URLSearchParams(Object.entries(o).filter(([, v]) => v) as [string, string][]);
        const { devices } = await api(ctx, 'GET', `/devices${q.size ? `?${q}` : ''}`);
        ctx.out(devices, (ds: any[]) => table(['UUID', 'TYPE', 'VENDOR', 'MODEL', 'HOSTNAME', 'STATUS', 'DRIVER'], ds.map((d) => [d.uuid, d.type, d.vendor, d.model, d.hostname, d.missing ? 'missing' : d.status, d.driver_name])));
      }),
    );
  for (const verb of ['enable', 'disable'] as const)
    accel
      .command(`${verb} <device>`)
      .description(`${verb} a device (disabled devices are not allocated)`)
      .action(action(async (ctx, uuid: string) => ctx.out(await api(ctx, 'POST', `/devices/${enc(uuid)}/${verb}`), show)));

  accel
    .command('deployables')
    .description('list deployables (the allocatable units) with their capacity and use')
    .option('--hostname <host>', 'only this host')
    .action(
      action(async (ctx, o: { hostname?: string }) => {
        const { deployables } = await api(ctx, 'GET', `/deployables${o.hostname ? `?hostname=${enc(o.hostname)}` : ''}`);
        ctx.out(deployables, (ds: any[]) =>
          table(['UUID', 'NAME', 'CLASS', 'HOSTNAME', 'USED', 'BITSTREAM', 'FAULT'], ds.map((d) => [d.uuid, d.name, d.resource_class, d.hostname, `${d.used}/${d.capacity}`, d.bitstream_id ?? '', d.fault ?? ''])),
        );
      }),
    );
  accel
    .command('program <deployable> <image>')
    .description('program a deployable (an FPGA) with an uploaded image; waits until done')
    .action(
      action(async (ctx, dep: string, image: string) => {
        ctx.info(`programming ${dep} with image ${image} ...`);
        ctx.out(await api(ctx, 'PATCH', `/deployables/${enc(dep)}/program`, [{ path: '/program', op: 'replace', value: [{ image_uuid: image }] }]), show);
      }),
    );
  accel
    .command('attribute <deployable> <key> <value>')
    .description('set an operator attribute of a deployable (sharing.max_clients=N shares each accelerator among N requests)')
    .action(action(async (ctx, dep: string, key: string, value: string) => ctx.out((await api(ctx, 'POST', '/attributes', [{ deployable_id: dep, key, value }])).attributes[0], show)));

  const profiles = accel.command('profiles').description('device profiles');
  profiles
    .command('list', { isDefault: true })
    .description('list device profiles')
    .action(action(async (ctx) => ctx.out((await api(ctx, 'GET', '/device_profiles')).device_profiles, (ps: any[]) => table(['UUID', 'NAME', 'GROUPS'], ps.map((p) => [p.uuid, p.name, JSON.stringify(p.groups)])))));
  profiles
    .command('create <name> <group-json...>')
    .description('create a profile: each group a JSON object, e.g. \'{"resources:PGPU": "1", "attr:memory": ">=40Gi"}\'')
    .option('--description <text>', 'what it is for')
    .action(
      action(async (ctx, name: string, groups: string[], o: { description?: string }) => {
        const parsed = groups.map((g, i) => {
          try {
            return JSON.parse(g);
          } catch (e) {
            throw new Error(`group ${i + 1} is not JSON: ${(e as Error).message}`);
          }
        });
        ctx.out(await api(ctx, 'POST', '/device_profiles', [{ name, groups: parsed, ...(o.description ? { description: o.description } : {}) }]), show);
      }),
    );
  profiles.command('show <profile>').description('show a profile (name or uuid)').action(action(async (ctx, p: string) => ctx.out(await api(ctx, 'GET', `/device_profiles/${enc(p)}`), show)));
  profiles.command('delete <profile>').description('delete a profile').action(action(async (ctx, p: string) => void (await api(ctx, 'DELETE', `/device_profiles/${enc(p)}`))));

  const requests = accel.command('requests').description('accelerator requests (ARQs)');
  const arqRows = (as: any[]) => table(['UUID', 'STATE', 'PROFILE', 'GROUP', 'HOSTNAME', 'INSTANCE', 'REASON'], as.map((a) => [a.uuid, a.state, a.device_profile_name, a.device_profile_group_id, a.hostname ?? '', a.instance_uuid ?? '', a.reason ?? '']));
  requests
    .command('list', { isDefault: true })
    .description('list requests')
    .option('--instance <uuid>', "only this instance's")
    .action(action(async (ctx, o: { instance?: string }) => ctx.out((await api(ctx, 'GET', `/accelerator_requests${o.instance ? `?instance=${enc(o.instance)}` : ''}`)).arqs, arqRows)));
  requests
    .command('create <profile>')
    .description('create the requests a profile asks for (one per accelerator)')
    .option('--group <n>', "only this group's")
    .action(action(async (ctx, profile: string, o: { group?: string }) => ctx.out((await api(ctx, 'POST', '/accelerator_requests', { device_profile_name: profile, ...(o.group ? { device_profile_group_id: Number(o.group) } : {}) })).arqs, arqRows)));
  requests
    .command('bind <arq> <instance>')
    .description('bind a request to a sandbox or node (picks a fitting deployable unless --rp is given)')
    .requiredOption('--hostname <host>', 'the host the device must be on')
    .requiredOption('--rp <uuid>', "the deployable's resource provider uuid (rp_uuid)")
    .action(
      action(async (ctx, arq: string, instance: string, o: { hostname: string; rp: string }) => {
        await api(ctx, 'PATCH', '/accelerator_requests', {
          [arq]: [
            { path: '/hostname', op: 'add', value: o.hostname },
            { path: '/device_rp_uuid', op: 'add', value: o.rp },
            { path: '/instance_uuid', op: 'add', value: instance },
          ],
        });
        ctx.out(await api(ctx, 'GET', `/accelerator_requests/${enc(arq)}`), show);
      }),
    );
  requests
    .command('unbind <arq>')
    .description('unbind a request')
    .action(
      action(async (ctx, arq: string) => {
        await api(ctx, 'PATCH', '/accelerator_requests', { [arq]: ['/hostname', '/device_rp_uuid', '/instance_uuid'].map((path) => ({ path, op: 'remove' })) });
        ctx.out(await api(ctx, 'GET', `/accelerator_requests/${enc(arq)}`), show);
      }),
    );
  requests
    .command('delete <arq...>')
    .description('delete requests (releasing what they hold)')
    .action(action(async (ctx, arqs: string[]) => void (await api(ctx, 'DELETE', `/accelerator_requests?arqs=${arqs.map(enc).join(',')}`))));

  const images = accel.command('images').description('bitstream images (Glance-shaped, at /image)');
  images
    .command('list', { isDefault: true })
    .description('list images')
    .action(
      action(async (ctx) => {
        const { images: list } = await ctx.client().request('GET', '/image/v2/images');
        ctx.out(list, (is: any[]) => table(['ID', 'NAME', 'STATUS', 'SIZE', 'BITSTREAM', 'SHA256'], is.map((i) => [i.id, i.name ?? '', i.status, i.size ?? '', i.bitstream_id ?? '', i.os_hash_value ?? ''])));
      }),
    );
  images
    .command('upload <file>')
    .description('upload a bitstream; with --sha256 the upload fails unless the bytes match')
    .option('--name <name>', 'a name')
    .option('--sha256 <hex>', 'the checksum the data must have')
    .option('--bitstream-id <id>', 'the bitstream id profiles ask for (accel:bitstream_id)')
    .option('--function-id <id>', 'the function it provides (accel:function_id)')
    .option('--vendor <id>', 'the vendor it is for')
    .action(
      action(async (ctx, file: string, o: { name?: string; sha256?: string; bitstreamId?: string; functionId?: string; vendor?: string }) => {
        const size = statSync(file).size;
        const meta = Object.fromEntries(Object.entries({ name: o.name, sha256: o.sha256, bitstream_id: o.bitstreamId, function_id: o.functionId, vendor: o.vendor }).filter(([, v]) => v !== undefined));
        const img = await ctx.client().request('POST', '/image/v2/images', { body: meta });
        ctx.info(`uploading ${size} bytes to image ${img.id} ...`);
        try {
          await ctx.client().fetch('PUT', `/image/v2/images/${img.id}/file`, { stream: createReadStream(file), duplex: 'half', headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) } });
        } catch (err) {
          // an image without its data is of no use: do not leave it behind
          await ctx.client().request('DELETE', `/image/v2/images/${img.id}`).catch(() => undefined);
          throw err;
        }
        ctx.out(await ctx.client().request('GET', `/image/v2/images/${img.id}`), show);
      }),
    );
  images.command('show <image>').description('show an image').action(action(async (ctx, id: string) => ctx.out(await ctx.client().request('GET', `/image/v2/images/${enc(id)}`), show)));
  images.command('delete <image>').description('delete an image').action(action(async (ctx, id: string) => void (await ctx.client().request('DELETE', `/image/v2/images/${enc(id)}`))));

  accel
    .command('allocations')
    .description('who holds what: each deployable with its capacity and the requests bound to it')
    .action(
      action(async (ctx) => {
        const { allocations } = await api(ctx, 'GET', '/allocations');
        ctx.out(allocations, (as: any[]) =>
          table(['DEPLOYABLE', 'NAME', 'HOSTNAME', 'CLASS', 'USED', 'HOLDERS'], as.map((a) => [a.deployable, a.name, a.hostname, a.resource_class, `${a.used}/${a.capacity}`, a.holders.map((h: any) => `${h.arq.slice(0, 8)}→${h.instance ?? '?'} (${h.state})`).join(', ')])),
        );
      }),
    );
  accel
    .command('top')
    .description('utilisation per deployable: use by requests, and GPU load and memory where nvidia-smi reports them')
    .action(
      action(async (ctx) => {
        const { deployables } = await api(ctx, 'GET', '/deployables');
        const rows = deployables.map((d: any) => ({
          deployable: d.uuid,
          name: d.name,
          hostname: d.hostname,
          used: d.used,
          capacity: d.capacity,
          utilization_gpu: d.attributes.utilization_gpu ?? null,
          memory_used: d.attributes.memory_used ?? null,
          memory: d.attributes.memory ?? null,
        }));
        ctx.out(rows, (rs: any[]) => table(['DEPLOYABLE', 'NAME', 'HOSTNAME', 'USED', 'GPU %', 'MEMORY'], rs.map((r) => [r.deployable, r.name, r.hostname, `${r.used}/${r.capacity}`, r.utilization_gpu ?? '-', r.memory_used ? `${r.memory_used}/${r.memory}` : r.memory ?? '-'])));
      }),
    );
}
