/**
 * The edge module's commands: alarms and events (the fault manager), and
 * the fleet (subclouds, subcloud groups, update strategies). Light imports only.
 */
import type { Command } from 'commander';
import type { ServerOption } from '../core/cli/index.js';
import { registerFm } from './fm/cli.js';
import { registerDc } from './dc/cli.js';
import { registerStrategy } from './dc/strategy-cli.js';

export const serverOptions: ServerOption[] = [
  { flags: '--edge-role <role>', description: 'edge: controller makes this server the system controller of a fleet (default: subcloud, a server a controller can add)', defaultValue: 'subcloud' },
  { flags: '--edge-audit-interval <s>', description: 'edge: seconds between audits of every subcloud (controller)', defaultValue: '30' },
  { flags: '--edge-audit-concurrency <n>', description: 'edge: subclouds audited at once (controller)', defaultValue: '100' },
  { flags: '--edge-step-timeout <s>', description: "edge: seconds one call of a strategy step may take on a subcloud before it is retried (controller)", defaultValue: '60' },
  { flags: '--fm-store-check-interval <s>', description: 'fm: seconds between probes of the store (alarm 600.004 while it is unreachable), 0 disables', defaultValue: '10' },
];

export function register(program: Command): void {
  registerFm(program);
  registerDc(program);
  registerStrategy(program);
}
