/**
 * A standalone entry for the virtual BMC (`node dist/metal/bmc/main.js bmc serve …`),
 * usable until and besides the `strata` CLI, which mounts the same commands.
 * The ipmi_sim hook script runs this entry too.
 */
import { Command } from 'commander';
import { register } from './cli.js';

const program = new Command('strata').description('Strata virtual BMC');
register(program);
await program.parseAsync(process.argv);
