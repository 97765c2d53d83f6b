/**
 * The edge module's commands: alarms and events (the fault manager), and
 * the fleet (subclouds, subcloud groups). Light imports only.
 */
import type { Command } from 'commander';
import type { ServerOption } from '../core/cli/index.js';
import { registerFm } from './fm/cli.js';

export const serverOptions: ServerOption[] = [
  { flags: '--fm-store-check-interval <s>', description: 'fm: seconds between probes of the store (alarm 600.004 while it is unreachable), 0 disables', defaultValue: '10' },
];

export function register(program: Command): void {
  registerFm(program);
}
