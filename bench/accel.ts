/**
 * How fast the accel module does its three jobs, on the code as it runs in
 * the server (service over a real SQLite store, core's task runner):
 *  1. discovery of 1,000 devices: the pci driver walking a fake sysfs tree
 *     of 1,000 GPUs (the kernel's layout), then recording them (first sync,
 *     then a no-change re-sync, which must write nothing);
 *  2. profile matching across 10,000 deployables (pure: `pick`), for a
 *     plain request, one with attribute selectors, and one nothing fits;
 *  3. bind/unbind round trips per second through the service (guarded
 *     reservation, ARQ table, release), without and with programming at
 *     bind (a durable task then loads the bitstream first).
 * No peer runs here (Cyborg needs Nova, Placement and a message bus), so
 * there is no side-by-side column.
 *
 *   node --import tsx bench/accel.ts [--devices N] [--deployables N] [--binds N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stats, table } from './lib/report.js';
import { coreMigrations, migrate, openStore, silentLogger, TaskRunner, TaskStore, type Principal } from '../src/core/index.js';
import { accelMigrations } from '../src/accel/db/migrations.js';
import { AccelService } from '../src/accel/service.js';
import { addPciFunction } from '../src/accel/testing/sysfs-trees.js';
import { selectDrivers, discoverAll } from '../src/accel/drivers/index.js';
import { pick, type Candidate } from '../src/accel/matching.js';
import { validateProfile } from '../src/accel/profiles.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const DEVICES = arg('devices', 1000);
const DEPLOYABLES = arg('deployables', 10_000);
const BINDS = arg('binds', 200);
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-accel-'));
const rows: (string | number)[][] = [];
try {
  // 1. discovery
  const sys = join(dir, 'sys');
  for (let i = 0; i < DEVICES; i++) {
    const bus = (i >> 5).toString(16).padStart(2, '0');
    const dev = (i & 31).toString(16).padStart(2, '0');
    addPciFunction(sys, { address: `0000:${bus}:${dev}.0`, vendor: '0x1002', device: '0x740f', classId: '0x038000', numaNode: i % 2 });
  }
  const store = await openStore(join(dir, 'accel.db'));
  await migrate(store, { core: coreMigrations, accel: accelMigrations });
  const tasks = new TaskRunner(new TaskStore(store), { log: silentLogger(), pollMs: 5 });
  const env = { sysfsRoot: sys, devRoot: join(dir, 'dev') };
  const service = new AccelService(store.db, tasks, silentLogger(), { drivers: selectDrivers(['pci', 'fake']), env, hostname: 'bench', imageDir: join(dir, 'images'), maxImageBytes: 1 << 20 });
  let t = process.hrtime.bigint();
  const found = await discoverAll(selectDrivers(['pci']), env);
  const walk = ms(t);
  t = process.hrtime.bigint();
  await service.discover();
  const first = ms(t);
  const again: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = process.hrtime.bigint();
    const r = await service.discover();
    again.push(ms(t));
    if (r.added.length + r.changed.length + r.removed.length) throw new Error('a no-change discovery changed something');
  }
  rows.push([`discovery: walk sysfs of ${DEVICES} GPUs`, walk.toFixed(0), `${((walk / DEVICES) * 1000).toFixed(0)} µs/device`]);
  rows.push([`discovery: walk + first record of ${found.devices.length + 1} devices`, first.toFixed(0), `${((first / DEVICES) * 1000).toFixed(0)} µs/device`]);
  rows.push(['discovery: walk + re-sync, no change (median of 5)', stats(again).median.toFixed(0), 'writes nothing']);

  // 2. matching
  const cands: Candidate[] = Array.from({ length: DEPLOYABLES }, (_, i) => ({
    uuid: `d${String(i).padStart(6, '0')}`,
    hostname: `h${i % 100}`,
    resourceClass: i % 3 === 0 ? 'FPGA' : 'PGPU',
    traits: i % 7 === 0 ? ['CUSTOM_NVIDIA_GPU'] : [],
    attributes: { memory: `${(i % 8) * 10 + 10}Gi`, model: i % 5 === 0 ? 'NVIDIA H100 PCIe' : 'NVIDIA A100-SXM4-40GB', numa_node: String(i % 2) },
    numAccelerators: 1,
    maxClients: 1,
    used: i % 4 === 0 ? 1 : 0,
    bitstreamId: null,
    usable: true,
    programmable: false,
  }));
  const reqs = {
    'resources:PGPU=1': { 'resources:PGPU': '1' },
    '+ memory>=40Gi, model in (H100), CUSTOM_NVIDIA_GPU': { 'resources:PGPU': '1', 'attr:memory': '>=40Gi', 'attr:model': 'in(NVIDIA H100 PCIe)', 'trait:CUSTOM_NVIDIA_GPU': 'required' },
    'nothing fits (memory>=1Ti)': { 'resources:PGPU': '1', 'attr:memory': '>=1Ti' },
  };
  for (const [label, group] of Object.entries(reqs)) {
    const req = validateProfile({ name: 'b', groups: [group] }).requirements[0]![0]!;
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      t = process.hrtime.bigint();
      pick(cands, req);
      samples.push(ms(t));
    }
    const s = stats(samples);
    rows.push([`match across ${DEPLOYABLES} deployables: ${label}`, s.median.toFixed(2), `p99 ${s.p99.toFixed(2)} ms`]);
  }

  // 3. bind/unbind round trips
  tasks.start();
  const admin: Principal = { tokenId: 'b', name: 'bench', role: 'admin', project: 'bench' };
  await service.createProfile(admin, { name: 'fpga', groups: [{ 'resources:FPGA': '1' }] });
  const [arq] = await service.createArqs(admin, 'fpga');
  service.useInstanceProbe({ alive: async () => true });
  const trips: number[] = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < BINDS; i++) {
    t = process.hrtime.bigint();
    const task = await service.bind(admin, arq!.uuid, { instanceUuid: 'sandbox-1', instanceKind: 'sandbox' });
    if (task) await tasks.wait(task);
    await service.unbind(admin, arq!.uuid);
    trips.push(ms(t));
  }
  const total = ms(t0);
  const s = stats(trips);
  rows.push([`bind + unbind round trip (${BINDS}, SQLite)`, s.median.toFixed(1), `${((BINDS / total) * 1000).toFixed(0)} round trips/s, p99 ${s.p99.toFixed(1)} ms`]);
  // with programming at bind: two profiles naming two bitstreams, alternated, so every bind loads one
  const { Readable } = await import('node:stream');
  const arqs = [];
  for (const bs of ['bs-a', 'bs-b']) {
    const img = await service.images.create('bench', { bitstream_id: bs });
    await service.images.upload(img.uuid, Readable.from([Buffer.alloc(64 << 10, bs.charCodeAt(3))]));
    await service.createProfile(admin, { name: bs, groups: [{ 'resources:FPGA': '1', 'accel:bitstream_id': bs }] });
    arqs.push((await service.createArqs(admin, bs))[0]!);
  }
  const programmed: number[] = [];
  const p0 = process.hrtime.bigint();
  const N = Math.max(10, Math.round(BINDS / 4));
  for (let i = 0; i < N; i++) {
    const a = arqs[i % 2]!;
    t = process.hrtime.bigint();
    const task = await service.bind(admin, a.uuid, { instanceUuid: 'sandbox-1', instanceKind: 'sandbox' });
    if (!task) throw new Error('expected a programming bind');
    await tasks.wait(task);
    await service.unbind(admin, a.uuid);
    programmed.push(ms(t));
  }
  const ps = stats(programmed);
  rows.push([`bind + unbind with programming (${N}, 64 KiB bitstream, durable task)`, ps.median.toFixed(1), `${((N / ms(p0)) * 1000).toFixed(0)} round trips/s, p99 ${ps.p99.toFixed(1)} ms`]);
  await tasks.stop();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(table(['accel', 'ms', 'note'], rows));
