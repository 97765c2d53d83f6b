/**
 * Which boot mode a node deploys with, in Ironic's order of precedence
 * (boot_mode_utils.get_boot_mode): instance_info capabilities, instance_info
 * deploy_boot_mode, properties capabilities, driver_internal_info
 * deploy_boot_mode, then the default (uefi, as Ironic's [deploy]default_boot_mode).
 */
import type { BootMode, DriverNode } from './types.js';

export const DEFAULT_BOOT_MODE: BootMode = 'uefi';

/** Parses Ironic's capabilities: a "k1:v1,k2:v2" string or an object. */
export function parseCapabilities(value: unknown): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  if (typeof value !== 'string' || !value.trim()) return {};
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    const i = part.indexOf(':');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

const asMode = (v: unknown): BootMode | undefined => (v === 'uefi' || v === 'bios' ? v : undefined);

export function bootModeOf(node: DriverNode, fallback: BootMode = DEFAULT_BOOT_MODE): BootMode {
  const ii = node.instance_info ?? {};
  const iiCaps = parseCapabilities(ii.capabilities);
  if (iiCaps.secure_boot === 'true') return 'uefi';
  return (
    asMode(iiCaps.boot_mode) ??
    asMode(ii.deploy_boot_mode) ??
    asMode(parseCapabilities(node.properties?.capabilities).boot_mode) ??
    asMode(node.driver_internal_info?.deploy_boot_mode) ??
    fallback
  );
}
