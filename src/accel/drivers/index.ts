/**
 * The accelerator drivers and discovery across them. Specific drivers
 * report first; the generic `pci` driver's report of a function another
 * driver already described is dropped, so each board appears once.
 */
import type { DiscoveredDevice } from '../model.js';
import type { AccelDriver, DriverEnv } from './types.js';
import { fakeDriver } from './fake/fake-driver.js';
import { pciDriver } from './pci/pci-driver.js';
import { nvidiaDriver } from './nvidia/nvidia-driver.js';
import { intelFpgaDriver } from './intel-fpga/intel-fpga-driver.js';

export type { AccelDriver, DriverEnv } from './types.js';
export { FAKE_ADDRESS } from './fake/fake-driver.js';

export const DRIVERS: Record<string, AccelDriver> = { fake: fakeDriver, nvidia: nvidiaDriver, 'intel-fpga': intelFpgaDriver, pci: pciDriver };
export const DRIVER_NAMES = Object.keys(DRIVERS);

/** The named drivers (in discovery order); an unknown name is an error naming the known ones. */
export function selectDrivers(names: readonly string[]): AccelDriver[] {
  const unknown = names.filter((n) => !(n in DRIVERS));
  if (unknown.length) throw new Error(`--accel-drivers: unknown driver ${unknown.join(', ')} (known: ${DRIVER_NAMES.join(', ')})`);
  return DRIVER_NAMES.filter((n) => names.includes(n)).map((n) => DRIVERS[n]!);
}

/** The default: the real drivers whose hardware this host has. */
export function presentDrivers(env: DriverEnv): AccelDriver[] {
  return [nvidiaDriver, intelFpgaDriver, pciDriver].filter((d) => d.present(env));
}

export interface Discovery {
  devices: DiscoveredDevice[];
  /** drivers that failed, with why (their devices are kept as they were) */
  failures: { driver: string; error: string }[];
}

export async function discoverAll(drivers: readonly AccelDriver[], env: DriverEnv): Promise<Discovery> {
  const devices: DiscoveredDevice[] = [];
  const failures: Discovery['failures'] = [];
  for (const d of drivers) {
    try {
      for (const dev of await d.discover(env)) if (!devices.some((o) => o.address === dev.address)) devices.push(dev);
    } catch (e) {
      failures.push({ driver: d.name, error: (e as Error).message });
    }
  }
  return { devices, failures };
}
