#!/usr/bin/env node
/**
 * A standalone `strata` with only the site commands, mounted as the real CLI
 * mounts them (src/cli/main.ts: global --json, then each module's
 * register). bench/site-render.ts compiles it to time the whole command,
 * and the e2e tests run it; the shipped command is `node dist/cli/main.js site …`.
 */
import { Command } from 'commander';
import { register } from '../src/site/cli.js';

const program = new Command('strata').option('--json', 'machine-readable output on stdout').showHelpAfterError();
register(program);
await program.parseAsync(process.argv);
if (process.env.STRATA_BENCH_RSS_FD) {
  // For the benchmark: peak resident set (KiB) and CPU time (µs), written where it asked.
  const { writeSync } = await import('node:fs');
  const u = process.resourceUsage();
  writeSync(Number(process.env.STRATA_BENCH_RSS_FD), `${u.maxRSS} ${u.userCPUTime + u.systemCPUTime}\n`);
}
