/**
 * A stand-in for the Strata server in the supervisor tests: spawns one
 * supervisor, prints "spawned", then idles until it is SIGKILLed, so the test
 * can check the sandbox outlives the process that started it.
 */
import { spawnSupervisor } from './client.js';

const [stateDir, id, ...argv] = process.argv.slice(2);
await spawnSupervisor(stateDir, { id, argv });
process.stdout.write('spawned\n');
setInterval(() => {}, 1 << 30);
