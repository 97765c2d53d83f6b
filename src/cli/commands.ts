import type { Command } from 'commander';
import type { ServerOption } from '../core/cli/index.js';
import * as siteCli from '../site/cli.js';
import * as metalCli from '../metal/cli.js';
import * as sandboxCli from '../sandbox/cli.js';
import * as gateCli from '../gate/cli.js';
import * as accelCli from '../accel/cli.js';
import * as edgeCli from '../edge/cli.js';
import * as webCli from '../web/cli.js';

/**
 * Each module's CLI: a `register(program)` and the options it adds to
 * `strata server`. Module cli.ts files keep their top-level imports light
 * (heavy code loads inside actions): every `strata` call loads them all.
 */
export interface ModuleCli {
  register(program: Command): void;
  serverOptions?: ServerOption[];
}

export const moduleClis: ModuleCli[] = [
  siteCli,
  metalCli,
  sandboxCli,
  accelCli,
  gateCli,
  edgeCli,
  webCli,
];
