/**
 * The ipmi hardware type's driver_info keys (Ironic's ipmitool
 * COMMON_PROPERTIES) and their parsing into what ipmitool needs.
 */
import { invalidParameter, missingParameter } from '../errors.js';
import { checkRequired, nodeLabel, oneOf, optionalBool, optionalInt, optionalPort, optionalString } from '../driver-info.js';
import type { DriverNode, PropertySpec } from '../types.js';

export const PRIV_LEVELS = ['ADMINISTRATOR', 'CALLBACK', 'OPERATOR', 'USER'] as const;
export const PROTOCOL_VERSIONS = ['2.0', '1.5'] as const;
export const BRIDGING = ['no', 'single', 'dual'] as const;

export const IPMI_PROPERTIES: Record<string, PropertySpec> = {
  ipmi_address: { required: true, description: 'IP address or host name of the BMC. Required.' },
  ipmi_username: { required: false, description: 'User name; the NULL user when empty. Optional.' },
  ipmi_password: { required: false, secret: true, description: 'Password; an empty password when unset. Passed to ipmitool through a pipe, never on its command line. Optional.' },
  ipmi_port: { required: false, description: 'UDP port of the BMC (RMCP); 623 when unset. Optional.' },
  ipmi_priv_level: { required: false, description: `Privilege level; ADMINISTRATOR when unset. One of ${PRIV_LEVELS.join(', ')}. Optional.` },
  ipmi_protocol_version: { required: false, description: 'IPMI protocol version: "2.0" (lanplus, the default) or "1.5" (lan). Optional.' },
  ipmi_cipher_suite: { required: false, description: 'Cipher suite number for IPMI 2.0 sessions: 3 (AES-128, SHA1) or 17 (AES-128, SHA256). ipmitool\'s default when unset. Optional.' },
  ipmi_hex_kg_key: { required: false, secret: true, description: 'Kg key for IPMI 2.0 authentication, in hexadecimal. Optional.' },
  ipmi_bridging: { required: false, description: 'Bridging type: "no" (default), "single" or "dual". Optional.' },
  ipmi_local_address: { required: false, description: 'Local IPMB address for bridged requests. Optional.' },
  ipmi_transit_channel: { required: false, description: 'Transit channel for bridged requests; required when ipmi_bridging is "dual".' },
  ipmi_transit_address: { required: false, description: 'Transit address for bridged requests; required when ipmi_bridging is "dual".' },
  ipmi_target_channel: { required: false, description: 'Destination channel for bridged requests; required when ipmi_bridging is "single" or "dual".' },
  ipmi_target_address: { required: false, description: 'Destination address for bridged requests; required when ipmi_bridging is "single" or "dual".' },
  ipmi_force_boot_device: { required: false, description: 'Set the boot device again at every power on, for BMCs that forget it; false when unset. Optional.' },
  ipmi_disable_boot_timeout: { required: false, description: 'Send the raw command that disables the BMC\'s 60-second boot-flag timeout before setting the boot device; true when unset. Optional.' },
};

export interface IpmiInfo {
  address: string;
  port?: number;
  username?: string;
  password: string;
  privLevel: (typeof PRIV_LEVELS)[number];
  protocolVersion: (typeof PROTOCOL_VERSIONS)[number];
  cipherSuite?: number;
  hexKgKey?: string;
  bridging: { local?: string; transitChannel?: string; transitAddress?: string; targetChannel?: string; targetAddress?: string };
  forceBootDevice: boolean;
  disableBootTimeout: boolean;
}

/** Parses and checks driver_info; throws DriverError `missing-parameter` / `invalid-parameter`. */
export function parseIpmiInfo(node: DriverNode): IpmiInfo {
  checkRequired(node, IPMI_PROPERTIES);
  const label = nodeLabel(node);
  const protocolVersion = oneOf(node, 'ipmi_protocol_version', PROTOCOL_VERSIONS, '2.0');
  const privLevel = oneOf(node, 'ipmi_priv_level', PRIV_LEVELS, 'ADMINISTRATOR');
  const bridgingType = oneOf(node, 'ipmi_bridging', BRIDGING, 'no');
  const cipherSuite = optionalInt(node, 'ipmi_cipher_suite');
  if (cipherSuite !== undefined && protocolVersion === '1.5') {
    throw invalidParameter(label, 'ipmi_cipher_suite', 'cipher suites cannot be used with IPMI 1.5');
  }
  const hexKgKey = optionalString(node, 'ipmi_hex_kg_key');
  if (hexKgKey !== undefined && (hexKgKey.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hexKgKey))) {
    throw invalidParameter(label, 'ipmi_hex_kg_key', 'expected an even number of hexadecimal digits');
  }
  const address = optionalString(node, 'ipmi_address')!;
  if (address.startsWith('-') || /\s/.test(address)) throw invalidParameter(label, 'ipmi_address', `"${address}" is not a host name or address`);
  const username = optionalString(node, 'ipmi_username');
  const password = optionalString(node, 'ipmi_password') ?? '';
  if (/[\r\n\0]/.test(password)) throw invalidParameter(label, 'ipmi_password', 'must not contain line breaks or NUL');

  const bridging: IpmiInfo['bridging'] = {};
  if (bridgingType !== 'no') {
    const need = bridgingType === 'dual'
      ? ['ipmi_target_channel', 'ipmi_target_address', 'ipmi_transit_channel', 'ipmi_transit_address']
      : ['ipmi_target_channel', 'ipmi_target_address'];
    const missing = need.filter((k) => optionalString(node, k) === undefined);
    if (missing.length) throw missingParameter(label, missing);
    bridging.local = optionalString(node, 'ipmi_local_address');
    bridging.targetChannel = optionalString(node, 'ipmi_target_channel');
    bridging.targetAddress = optionalString(node, 'ipmi_target_address');
    if (bridgingType === 'dual') {
      bridging.transitChannel = optionalString(node, 'ipmi_transit_channel');
      bridging.transitAddress = optionalString(node, 'ipmi_transit_address');
    }
  }
  return {
    address,
    port: optionalPort(node, 'ipmi_port'),
    username,
    password,
    privLevel,
    protocolVersion,
    cipherSuite,
    hexKgKey,
    bridging,
    forceBootDevice: optionalBool(node, 'ipmi_force_boot_device', false),
    disableBootTimeout: optionalBool(node, 'ipmi_disable_boot_timeout', true),
  };
}
