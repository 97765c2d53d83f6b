/**
 * Hardware types: which interface implementations a kind of hardware
 * supports, in priority order (the first one enabled is the default), after
 * Ironic's `ironic/drivers/{generic,ipmi,redfish,fake_hardware}.py`.
 *
 * Names listed here may be implemented outside drivers/ (the conductor
 * registers `ipxe`, `pxe`, `direct`, `ramdisk`); a name with no registered
 * implementation is simply not enabled.
 */
import type { InterfaceKind } from './types.js';

export interface HardwareType {
  name: string;
  description: string;
  supported: Readonly<Record<InterfaceKind, readonly string[]>>;
  /**
   * fake-hardware accepts any registered implementation of a kind, not only
   * the listed ones (Ironic special-cases it in the driver factory).
   */
  acceptsAnyImplementation?: boolean;
}

const GENERIC: Readonly<Record<InterfaceKind, readonly string[]>> = {
  boot: ['ipxe', 'pxe'],
  deploy: ['direct', 'ansible', 'ramdisk', 'anaconda', 'custom-agent'],
  management: ['noop'],
  network: ['flat', 'neutron', 'noop'],
  power: [],
  bios: ['no-bios'],
  console: ['no-console'],
  inspect: ['inspector', 'no-inspect'],
  raid: ['no-raid', 'agent'],
  rescue: ['no-rescue', 'agent'],
  storage: ['noop', 'cinder', 'external'],
  vendor: ['no-vendor'],
};

export const IPMI: HardwareType = {
  name: 'ipmi',
  description: 'IPMI 2.0 BMCs driven through ipmitool (lanplus)',
  supported: {
    ...GENERIC,
    // Strata difference: fake boot and deploy are accepted last, so a lab can
    // drive real power through IPMI while skipping the image deployment.
    boot: [...GENERIC.boot, 'fake'],
    deploy: [...GENERIC.deploy, 'fake'],
    management: ['ipmitool', 'noop'],
    power: ['ipmitool'],
    console: ['ipmitool-socat', 'ipmitool-shellinabox', 'no-console'],
    vendor: ['ipmitool', 'no-vendor'],
  },
};

export const REDFISH: HardwareType = {
  name: 'redfish',
  description: 'DMTF Redfish BMCs over HTTP(S)',
  supported: {
    ...GENERIC,
    boot: ['ipxe', 'pxe', 'redfish-virtual-media', 'fake'],
    deploy: [...GENERIC.deploy, 'fake'],
    bios: ['redfish', 'no-bios'],
    management: ['redfish', 'noop'],
    power: ['redfish'],
    inspect: ['redfish', 'inspector', 'no-inspect'],
    raid: ['redfish', 'no-raid', 'agent'],
    vendor: ['redfish', 'no-vendor'],
  },
};

export const FAKE_HARDWARE: HardwareType = {
  name: 'fake-hardware',
  description: 'no hardware at all: every interface succeeds at once (tests, scale tests)',
  acceptsAnyImplementation: true,
  supported: {
    bios: ['fake', ...GENERIC.bios],
    boot: ['fake', ...GENERIC.boot],
    console: ['fake', ...GENERIC.console],
    deploy: ['fake', ...GENERIC.deploy],
    inspect: ['fake', ...GENERIC.inspect],
    management: ['fake'],
    network: GENERIC.network,
    power: ['fake'],
    raid: ['fake', ...GENERIC.raid],
    rescue: ['fake', ...GENERIC.rescue],
    storage: ['fake', ...GENERIC.storage],
    vendor: ['fake', ...GENERIC.vendor],
  },
};

export const BUILTIN_HARDWARE_TYPES: readonly HardwareType[] = [FAKE_HARDWARE, IPMI, REDFISH];
