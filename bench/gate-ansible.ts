// Gate with Ansible jobs beside shell-line jobs, through a real `strata
// server` (git merges, SQLite, sandboxes, Debian's ansible-playbook):
//   1. build start latency: a change approved alone → the first Ansible task
//      of its job starts (the job-output.txt line of the first TASK), and the
//      same for a shell job (its first output line), on a `default`
//      (namespaces) sandbox node and on the host (`process`), median of R;
//   2. throughput: N changes approved at once, a job of one trivial task,
//      time until the gate is idle, Ansible beside shell lines.
// Run: npm run build && node --import tsx bench/gate-ansible.ts [--quick]

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GateFixture, PIPELINES, projectConfig } from '../test/helpers/gate/fixture.js';

const QUICK = process.argv.includes('--quick');
const R = QUICK ? 2 : 5;
const N = QUICK ? 4 : 8;

const pad = (s: string, n: number) => s.padEnd(n);
function print(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  console.log(header.map((h, i) => pad(h, widths[i]!)).join('  '));
  for (const r of rows) console.log(r.map((c, i) => pad(c, widths[i]!)).join('  '));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Kind = 'ansible' | 'shell';
const jobsFor = (kind: Kind, label: string) => `
- nodeset:
    name: one
    nodes:
      - name: node
        label: ${label}
- job:
    name: base
    parent: null
    timeout: 300
    attempts: 1
    nodeset: one
- job:
    name: unit
    run: ${kind === 'ansible' ? 'playbooks/unit.yaml' : "'echo started; true'"}
`;
const PLAYBOOK = '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: first task\n      command: "true"\n';

async function fixture(kind: Kind, label: string): Promise<GateFixture> {
  return GateFixture.start({
    config: { 'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': jobsFor(kind, label), 'playbooks/unit.yaml': PLAYBOOK },
    projects: { 'org/a': { README: 'a\n', '.zuul.yaml': projectConfig({ gate: ['unit'] }) } },
    concurrency: 8,
  });
}

/** The first line of the build's console that is the job's own work (its first task, or its first output line). */
function firstWorkLine(f: GateFixture, uuid: string, kind: Kind): number {
  const text = readFileSync(path.join(f.server.dataDir, 'gate', 'logs', uuid, 'job-output.txt'), 'utf8');
  const line = text.split('\n').find((l) => (kind === 'ansible' ? / \| TASK \[first task\]/.test(l) : / \| started$/.test(l)) || (kind === 'shell' && l === 'started'));
  if (!line) throw new Error(`no first task in the log of ${uuid}:\n${text}`);
  const ts = /^(\S+) \|/.exec(line)?.[1];
  if (ts) return Date.parse(ts);
  // A shell job's own output is not timestamped: take the run step's line before it.
  const lines = text.split('\n');
  const i = lines.indexOf(line);
  for (let k = i; k >= 0; k--) {
    const m = /^(\S+) \| run: /.exec(lines[k]!);
    if (m) return Date.parse(m[1]!);
  }
  throw new Error(`no timestamp before the first output of ${uuid}`);
}

async function latency(kind: Kind, label: string): Promise<number> {
  const f = await fixture(kind, label);
  try {
    const out: number[] = [];
    for (let i = 0; i < R; i++) {
      const c = await f.change('org/a', { [`l${i}`]: `${i}\n` }, `Latency ${i}`);
      const t0 = Date.now();
      await f.cli(['change', 'approve', String(c.number)]);
      await f.wait(300);
      const [b] = await f.builds(['--change', String(c.number), '--pipeline', 'gate']);
      if (b.result !== 'SUCCESS') throw new Error(`${kind} on ${label}: ${b.result}`);
      out.push(firstWorkLine(f, b.uuid, kind) - t0);
    }
    return median(out);
  } finally {
    await f.stop();
  }
}

async function throughput(kind: Kind, label: string): Promise<{ took: number; merged: number }> {
  const f = await fixture(kind, label);
  try {
    const changes = [];
    for (let i = 1; i <= N; i++) changes.push(await f.change('org/a', { [`t${i}`]: `${i}\n` }, `Change ${i}`));
    const t0 = Date.now();
    await Promise.all(changes.map((c) => f.cli(['change', 'approve', String(c.number)])));
    await f.wait(900);
    const took = (Date.now() - t0) / 1000;
    const merged = (await Promise.all(changes.map((c) => f.show(c.number)))).filter((s) => s.status === 'MERGED').length;
    return { took, merged };
  } finally {
    await f.stop();
  }
}

console.log(`gate build start latency: approve → first task of the job (median of ${R}), one change at a time\n`);
const rows: string[][] = [];
for (const label of ['default', 'process']) {
  const shell = await latency('shell', label);
  const ansible = await latency('ansible', label);
  rows.push([label === 'default' ? 'default (namespaces sandbox)' : 'process (host)', `${shell} ms`, `${ansible} ms`, (ansible / shell).toFixed(2)]);
}
print(['node', 'shell line', 'ansible', 'ansible/shell'], rows);

console.log(`\ngate throughput: ${N} changes approved at once, one trivial task per job, default sandbox nodes\n`);
const t: string[][] = [];
for (const kind of ['shell', 'ansible'] as const) {
  const r = await throughput(kind, 'default');
  t.push([kind, String(r.merged), r.took.toFixed(1), (r.merged / r.took * 60).toFixed(1)]);
}
print(['jobs', 'merged', 'time (s)', 'changes/min'], t);
