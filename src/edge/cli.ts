/**
 * The edge module's commands: alarms and events (the fault manager), and
 * the fleet (subclouds, subcloud groups). Light imports only.
 */
import type { Command } from 'commander';
import type { ServerOption } from '../core/cli/index.js';
import { registerFm } from './fm/cli.js';

export const serverOptions: ServerOption[] = [];

export function register(program: Command): void {
  registerFm(program);
}
