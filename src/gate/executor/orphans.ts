// Builds whose server died (SIGKILL, a crash) leave their process groups
// running. Every build process carries a marker in its environment naming
// the executor's data directory; on start the executor finds such
// processes in /proc and kills them before re-running their builds.

import { readdirSync, readFileSync } from 'node:fs';

export const MARKER_VAR = 'STRATA_GATE_EXECUTOR';

/** Kills every process whose environment holds MARKER_VAR=marker; returns their pids. */
export function killOrphans(marker: string): number[] {
  const needle = Buffer.from(`${MARKER_VAR}=${marker}\0`);
  const killed: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return killed;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    const at = environ.indexOf(needle);
    if (at === -1 || (at > 0 && environ[at - 1] !== 0)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      /* gone meanwhile */
    }
  }
  return killed;
}
