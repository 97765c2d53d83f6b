/** The dashboard adds no command, only a `strata server` option. */
import type { Command } from 'commander';
import type { ServerOption } from '../core/cli/index.js';

export const serverOptions: ServerOption[] = [
  { flags: '--web-watch-interval <ms>', description: 'how often the dashboard\'s live views re-read what pages watch, server-side (default $STRATA_WEB_WATCH_INTERVAL or 1000)' },
];

export function register(_program: Command): void {}
