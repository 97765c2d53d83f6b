/**
 * Parsing the metal module's `strata server` options (declared in
 * src/metal/cli.ts) into conductor and API settings. Times are given in seconds
 * on the command line, as Ironic's configuration gives them.
 */
import { hostname } from 'node:os';
import { InvalidInputError } from '../../core/index.js';
import type { Delay } from '../drivers/index.js';
import type { ConductorOptions } from './options.js';

export interface MetalSettings {
  conductor: Partial<ConductorOptions>;
  maxLimit: number;
  fakeDelay?: Delay;
  /** The API as booted nodes reach it (the agent's ipa-api-url); default: the server's own URL. */
  publicUrl?: string;
  /** Kernel parameters added to every deploy ramdisk. */
  kernelAppendParams?: string;
}

function num(options: Record<string, unknown>, key: string, flag: string, fallback: number, min = 0): number {
  const raw = options[key];
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new InvalidInputError(`${flag} must be a number ≥ ${min} (got "${String(raw)}")`);
  return n;
}

function bool(options: Record<string, unknown>, key: string, flag: string, fallback: boolean): boolean {
  const raw = options[key];
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  const s = String(raw).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new InvalidInputError(`${flag} must be true or false (got "${String(raw)}")`);
}

export function parseDelay(raw: unknown): Delay | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(String(raw));
  if (!m) throw new InvalidInputError(`--metal-fake-delay must be N or MIN-MAX milliseconds (got "${String(raw)}")`);
  return m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
}

export function parseMetalOptions(options: Record<string, unknown>): MetalSettings {
  const s = (key: string, flag: string, fallback: number) => Math.round(num(options, key, flag, fallback) * 1000);
  const callback = s('metalCallbackTimeout', '--metal-callback-timeout', 1800);
  const group = options.metalConductorGroup === undefined ? '' : String(options.metalConductorGroup).toLowerCase();
  if (!/^[a-z0-9_\-.]*$/.test(group)) throw new InvalidInputError(`--metal-conductor-group may hold letters, digits, _, - and . only (got "${group}")`);
  let publicUrl: string | undefined;
  if (options.metalPublicUrl !== undefined) {
    publicUrl = String(options.metalPublicUrl).replace(/\/+$/, '');
    if (!/^https?:\/\/[^\s]+$/.test(publicUrl)) throw new InvalidInputError(`--metal-public-url must be an http(s) URL (got "${publicUrl}")`);
  }
  return {
    publicUrl,
    kernelAppendParams: options.metalKernelAppendParams === undefined ? undefined : String(options.metalKernelAppendParams),
    maxLimit: num(options, 'metalApiMaxLimit', '--metal-api-max-limit', 1000, 1),
    fakeDelay: parseDelay(options.metalFakeDelay),
    conductor: {
      name: options.metalConductor === undefined ? hostname() : String(options.metalConductor),
      group,
      powerSyncIntervalMs: s('metalPowerSyncInterval', '--metal-power-sync-interval', 60),
      powerSyncMaxRetries: num(options, 'metalPowerSyncMaxRetries', '--metal-power-sync-max-retries', 3),
      powerFailureRecoveryIntervalMs: s('metalPowerFailureRecoveryInterval', '--metal-power-failure-recovery-interval', 300),
      forcePowerStateDuringSync: bool(options, 'metalForcePowerState', '--metal-force-power-state', true),
      powerTimeoutMs: s('metalPowerTimeout', '--metal-power-timeout', 60),
      heartbeatIntervalMs: s('metalHeartbeatInterval', '--metal-heartbeat-interval', 10),
      heartbeatTimeoutMs: s('metalHeartbeatTimeout', '--metal-heartbeat-timeout', 60),
      checkProvisionStateIntervalMs: s('metalCheckProvisionStateInterval', '--metal-check-provision-state-interval', 60),
      callbackTimeoutMs: { deploy: callback, clean: callback, inspect: callback, rescue: callback },
      taskMaxAttempts: num(options, 'metalTaskAttempts', '--metal-task-attempts', 3, 1),
      retryDelayMs: s('metalRetryDelay', '--metal-retry-delay', 2),
      automatedClean: bool(options, 'metalAutomatedClean', '--metal-automated-clean', true),
    },
  };
}
