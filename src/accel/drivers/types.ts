/**
 * The one small interface every accelerator driver implements (one folder
 * each, as Kysely's dialects): say whether its hardware is here, report the
 * devices it finds (the whole truth, each time: discovery is level-
 * triggered), and, where the hardware can be programmed, load an image.
 * The attach handle of each deployable (device nodes, PCI address, env) is
 * part of what discovery reports.
 */
import type { Deployable, DiscoveredDevice } from '../model.js';

export interface DriverEnv {
  /** a sysfs mount: DIR/bus/pci/devices, DIR/class/fpga_region (/sys on a real host) */
  sysfsRoot: string;
  /** where device nodes live (/dev on a real host) */
  devRoot: string;
  /** nvidia-smi's path when it is installed */
  nvidiaSmi?: string;
}

export interface AccelDriver {
  readonly name: string;
  /** whether this host has the driver's hardware (for the default driver list) */
  present(env: DriverEnv): boolean;
  discover(env: DriverEnv): Promise<DiscoveredDevice[]>;
  /** loads an image (bitstream) into a deployable; absent when the hardware cannot be programmed */
  program?(deployable: Deployable, imagePath: string, env: DriverEnv): Promise<void>;
}
