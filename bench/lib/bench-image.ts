/** What the sandbox and OCI benchmarks share: a root with their tools, and the memory of a set of processes. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A root with busybox, fio and iperf3 (and their libraries) for isolated runtimes. */
export function buildBenchImage(cacheDir: string, dest: string): string {
  const busybox = join(cacheDir, 'images', 'busybox');
  const dir = readdirSync(busybox).find((d) => existsSync(join(busybox, d, '.complete')));
  if (!dir) throw new Error('busybox image missing (create one sandbox first)');
  cpSync(join(busybox, dir, 'rootfs'), dest, { recursive: true, verbatimSymlinks: true });
  const files = new Set<string>(['/usr/bin/fio', '/usr/bin/iperf3', '/lib64/ld-linux-x86-64.so.2']);
  for (const bin of ['/usr/bin/fio', '/usr/bin/iperf3']) {
    for (const m of execFileSync('ldd', [bin], { encoding: 'utf8' }).matchAll(/=> (\/\S+)/g)) files.add(m[1]);
  }
  for (const f of files) {
    const target = join(dest, f);
    mkdirSync(dirname(target), { recursive: true });
    if (!existsSync(target)) copyFileSync(realpathSync(f), target);
  }
  return dest;
}

export function memoryOf(pids: number[]): { pss: number; rss: number; priv: number } {
  let pss = 0;
  let rss = 0;
  let priv = 0;
  for (const pid of pids) {
    try {
      const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const g = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0);
      pss += g('Pss');
      rss += g('Rss');
      priv += g('Private_Dirty');
    } catch {
      /* gone */
    }
  }
  return { pss: pss / 1024, rss: rss / 1024, priv: priv / 1024 };
}

