/**
 * Kata's Berlin 2018 comparison (runc vs gVisor vs Kata, through Docker),
 * repeated through podman with Strata's OCI runtime beside runc and runsc,
 * all measured in one run on this host:
 *
 *   node --import tsx bench/oci.ts [--runtimes runc,runsc,strata-vm,strata-namespaces] [--quick]
 *
 *  - start: `podman run --rm IMAGE echo hi` until its output, median;
 *  - CPU: a fixed busybox awk loop, wall time of the container's run minus
 *    the median start (best of rounds);
 *  - I/O: fio sequential read/write (1 MiB blocks) and random read/write
 *    (4 KiB) on a host directory bound in with -v;
 *  - network: iperf3 client and server in the container over its loopback
 *    (its network stack: the host's for runc, gVisor's netstack, the guest's);
 *  - idle memory: PSS of every host process a detached `sleep` container
 *    adds (conmon and everything under it), three up at once.
 * Ratios are to runc. The table says whether VMs ran with KVM or TCG.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { table } from './lib/report.js';
import { buildBenchImage, memoryOf } from './lib/bench-image.js';
import { processTree } from '../src/sandbox/host/host-processes.js';
import { defaultCacheDir } from '../src/sandbox/cache/index.js';
import { ensureBusyboxImage } from '../src/sandbox/images/busybox-image.js';
import { detectAccelerator } from '../src/sandbox/vm/accel.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const chosen = (args.includes('--runtimes') ? args[args.indexOf('--runtimes') + 1]! : 'runc,runsc,strata-vm,strata-namespaces').split(',');
const ROUNDS = QUICK ? 2 : 5;
const RUNTIME = join(import.meta.dirname, '..', 'dist', 'sandbox', 'oci-runtime', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'strata-bench-oci-'));
const log = (m: string) => process.stderr.write(m + '\n');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Flavour {
  name: string;
  flags: string[];
  annotation: string[];
}
const ALL: Record<string, Flavour> = {
  runc: { name: 'runc', flags: ['--runtime', 'runc'], annotation: [] },
  // podman's "none" network is a fresh namespace runsc still takes for the host's; its own netstack-less mode matches
  runsc: { name: 'runsc (gVisor)', flags: ['--runtime', 'runsc', '--runtime-flag', 'network=none'], annotation: [] },
  'strata-vm': { name: 'strata-runtime vm', flags: ['--runtime', RUNTIME, '--runtime-flag', `root=${join(work, 'strata')}`], annotation: [] },
  'strata-namespaces': {
    name: 'strata-runtime namespaces',
    flags: ['--runtime', RUNTIME, '--runtime-flag', `root=${join(work, 'strata')}`],
    annotation: ['--annotation', 'io.strata.runtime=namespaces'],
  },
};
const BASE = ['--root', join(work, 'storage'), '--runroot', join(work, 'run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
const LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
const IMAGE = 'localhost/strata-bench:1';

function run(argv: string[], input = ''): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => setTimeout(() => resolve({ code, out, err, ms: performance.now() - t0 }), 20));
    p.stdin.end(input);
  });
}

async function podman(f: Flavour, argv: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const r = await run(['podman', ...BASE, ...f.flags, ...argv]);
  if (r.code !== 0) throw new Error(`${f.name}: podman ${argv.join(' ')}: exit ${r.code}: ${r.err.trim().slice(-400)}`);
  return r;
}

const runArgs = (f: Flavour, ...rest: string[]) => ['run', '--rm', '--network', 'none', ...LIMITS, ...f.annotation, ...rest];

interface Row {
  name: string;
  startMs: number;
  cpuS: number;
  seqMiBs: number;
  randIops: number;
  netGbps: number;
  idlePssMiB: number;
}

async function measure(f: Flavour, vol: string): Promise<Row> {
  await podman(f, runArgs(f, IMAGE, 'true')); // warm caches (VM kernel, image unpack)
  const starts: number[] = [];
  for (let i = 0; i < ROUNDS; i++) starts.push((await podman(f, runArgs(f, IMAGE, 'echo', 'hi'))).ms);
  const startMs = median(starts);
  log(`${f.name}: start ${startMs.toFixed(0)} ms`);
  const loop = `BEGIN { s = 0; for (i = 0; i < ${QUICK ? 2_000_000 : 5_000_000}; i++) s += i % 7; print s }`;
  const cpu: number[] = [];
  for (let i = 0; i < Math.min(3, ROUNDS); i++) cpu.push(((await podman(f, runArgs(f, IMAGE, 'awk', loop))).ms - startMs) / 1000);
  const cpuS = Math.min(...cpu);
  log(`${f.name}: CPU loop ${cpuS.toFixed(2)} s`);
  const fio = async (rw: string, bs: string) => {
    const r = await podman(f, runArgs(f, '-v', `${vol}:/work`, IMAGE, 'fio', `--name=${rw}`, '--directory=/work', `--rw=${rw}`, `--bs=${bs}`, '--size=64m', `--runtime=${QUICK ? 3 : 8}`, '--time_based', '--output-format=json'));
    const job = JSON.parse(r.out.slice(r.out.indexOf('{'))).jobs[0];
    return job;
  };
  const seq = await fio('rw', '1m');
  const seqMiBs = (seq.read.bw + seq.write.bw) / 1024;
  const rand = await fio('randrw', '4k');
  const randIops = rand.read.iops + rand.write.iops;
  log(`${f.name}: fio seq ${seqMiBs.toFixed(0)} MiB/s, random ${randIops.toFixed(0)} IOPS`);
  const ip = await podman(f, runArgs(f, IMAGE, 'sh', '-c', `iperf3 -s -D -1 -B 127.0.0.1 -p 5201 && sleep 0.5 && iperf3 -c 127.0.0.1 -p 5201 -t ${QUICK ? 2 : 5} -J`));
  const netGbps = JSON.parse(ip.out.slice(ip.out.indexOf('{'))).end.sum_received.bits_per_second / 1e9;
  log(`${f.name}: iperf3 ${netGbps.toFixed(2)} Gbit/s`);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await podman(f, ['run', '-d', '--network', 'none', ...LIMITS, ...f.annotation, IMAGE, 'sleep', '1000'])).out.trim());
  await new Promise((r) => setTimeout(r, 3000));
  let pss = 0;
  for (const id of ids) {
    const conmon = Number((await podman(f, ['inspect', '--format', '{{.State.ConmonPid}}', id])).out.trim());
    pss += memoryOf(processTree(conmon)).pss;
  }
  await podman(f, ['rm', '-f', '-t', '0', ...ids]);
  const idlePssMiB = pss / ids.length;
  log(`${f.name}: idle ${idlePssMiB.toFixed(1)} MiB PSS per container`);
  return { name: f.name, startMs, cpuS, seqMiBs, randIops, netGbps, idlePssMiB };
}

async function main(): Promise<void> {
  try {
    await ensureBusyboxImage(defaultCacheDir());
    const image = buildBenchImage(defaultCacheDir(), join(work, 'rootfs'));
    const tar = spawn('tar', ['-C', image, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const imp = spawn('podman', [...BASE, 'import', '-', IMAGE], { stdio: [tar.stdout, 'ignore', 'inherit'] });
    await new Promise((r) => imp.on('exit', r));
    const vol = join(work, 'vol');
    mkdirSync(vol);
    const rows: Row[] = [];
    for (const key of chosen) {
      const f = ALL[key];
      if (!f) throw new Error(`unknown runtime ${key} (known: ${Object.keys(ALL).join(', ')})`);
      rows.push(await measure(f, vol).catch((err: Error) => (log(err.message), { name: `${f.name} (failed)`, startMs: NaN, cpuS: NaN, seqMiBs: NaN, randIops: NaN, netGbps: NaN, idlePssMiB: NaN })));
    }
    const base = rows[0]!;
    const r = (v: number, b: number, digits = 0) => `${v.toFixed(digits)}${rows.length > 1 && b ? ` (${(v / b).toFixed(2)}x)` : ''}`;
    const { accel } = await detectAccelerator();
    process.stdout.write(
      `\nContainers through podman ${(await run(['podman', '--version'])).out.trim().split(' ').at(-1)} (ratios to ${base.name}; VMs under ${accel.toUpperCase()}${accel === 'tcg' ? ': no KVM on this host' : ''})\n` +
        table(
          ['runtime', 'start ms', 'CPU loop s', 'fio seq MiB/s', 'fio 4k IOPS', 'iperf3 lo Gbit/s', 'idle PSS MiB'],
          rows.map((x) => [x.name, r(x.startMs, base.startMs), r(x.cpuS, base.cpuS, 2), r(x.seqMiBs, base.seqMiBs), r(x.randIops, base.randIops), r(x.netGbps, base.netGbps, 2), r(x.idlePssMiB, base.idlePssMiB, 1)]),
        ) +
        '\n',
    );
  } finally {
    await run(['podman', ...BASE, 'rm', '-af', '-t', '0']);
    await run(['podman', ...BASE, 'system', 'reset', '-f']);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
