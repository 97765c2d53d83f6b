/**
 * The lean entry ipmi_sim's generated hook script runs: ipmi_sim waits for the
 * hook on every chassis request, so this loads only what the hook needs (no
 * HTTP server, no CLI parser). Usage: hook-main --state DIR SYSTEM DEVICE get|set ….
 * `strata bmc ipmi-hook` does the same for people.
 */
import { runIpmiHook } from './ipmi-hook.js';
import { Machines } from './machines.js';
import { DirMachineStore } from './store.js';

const argv = process.argv.slice(2);
if (argv[0] !== '--state' || argv.length < 3) {
  process.stdout.write('usage: hook-main --state DIR SYSTEM DEVICE get|set PARAM [VALUE]...\n');
  process.exit(2);
}
try {
  const res = await runIpmiHook(new Machines(new DirMachineStore(argv[1])), argv[2], argv.slice(3));
  process.stdout.write(res.stdout);
  process.exitCode = res.exitCode;
} catch (err) {
  process.stdout.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
