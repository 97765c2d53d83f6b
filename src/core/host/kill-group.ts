/**
 * Kills a process group: one signal reaches everything a command started
 * (commands and runtimes are started detached, as group leaders). Without
 * `orProcess` a gone group is left alone: after its leader was reaped, its
 * pid may already name an unrelated process.
 */
export function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL', opts: { orProcess?: boolean } = {}): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // no such group: the process alone, where the caller knows it still is the one it means
    if (!opts.orProcess) return;
    try {
      process.kill(pgid, signal);
    } catch {
      /* already gone */
    }
  }
}
