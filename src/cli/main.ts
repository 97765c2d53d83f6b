#!/usr/bin/env node
import { Command } from 'commander';
import { registerServerCommand } from './server-command.js';
import { registerSecretsCommands, registerTokenCommands } from './token-command.js';
import { moduleClis } from './commands.js';

const program = new Command('strata')
  .description('Strata: one control plane for site documents, bare metal, gating and sandboxes')
  .option('--json', 'machine-readable output on stdout')
  .option('--url <url>', 'server URL (default $STRATA_URL, else the local all-in-one)')
  .option('--token <token>', 'API token (prefer $STRATA_TOKEN or --token-file: argv is visible to other users)')
  .option('--token-file <file>', 'read the API token from a file')
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError('(run with --help for usage)');

registerServerCommand(program, moduleClis.flatMap((m) => m.serverOptions ?? []));
registerTokenCommands(program);
registerSecretsCommands(program);
for (const m of moduleClis) m.register(program);

await program.parseAsync(process.argv);
