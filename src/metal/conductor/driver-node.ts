/**
 * The node as a driver sees it: secrets opened, interface choices gathered.
 * Drivers may keep progress in `driver_internal_info` (a re-entrant deploy
 * interface records where it is before returning `wait`); the conductor
 * persists whatever they leave there.
 */
import type { SecretBox } from '../../core/index.js';
import type { DriverNode, InterfaceKind, PowerState } from '../drivers/index.js';
import { INTERFACE_FIELDS, type Json, type NodeRecord } from '../db/records.js';
import { openSecrets } from './secrets.js';

export function interfacesOf(node: Pick<NodeRecord, (typeof INTERFACE_FIELDS)[number]>): Partial<Record<InterfaceKind, string | null>> {
  const out: Partial<Record<InterfaceKind, string | null>> = {};
  for (const f of INTERFACE_FIELDS) out[f.slice(0, -'_interface'.length) as InterfaceKind] = node[f];
  return out;
}

export function toDriverNode(node: NodeRecord, box: Pick<SecretBox, 'open'>): DriverNode {
  return {
    uuid: node.uuid,
    name: node.name,
    driver: node.driver,
    driver_info: openSecrets(node.driver_info, box),
    driver_internal_info: structuredClone(node.driver_internal_info),
    instance_info: openSecrets(node.instance_info, box),
    properties: structuredClone(node.properties),
    power_state: (node.power_state as PowerState | null) ?? null,
    provision_state: node.provision_state,
    interfaces: interfacesOf(node),
  };
}

/** The driver_internal_info to store after a driver call, or undefined when it did not change. */
export function internalInfoChange(before: Json, driverNode: DriverNode): Json | undefined {
  const after = driverNode.driver_internal_info ?? {};
  return JSON.stringify(after) === JSON.stringify(before) ? undefined : after;
}
