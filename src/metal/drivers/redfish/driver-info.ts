/**
 * The redfish hardware type's driver_info keys (Ironic's redfish utils
 * REQUIRED_PROPERTIES / OPTIONAL_PROPERTIES) and their parsing.
 */
import { existsSync } from 'node:fs';
import { invalidParameter } from '../errors.js';
import { checkRequired, nodeLabel, optionalString } from '../driver-info.js';
import type { DriverNode, PropertySpec } from '../types.js';
import type { AuthType, RedfishEndpoint } from './client.js';

export const REDFISH_PROPERTIES: Record<string, PropertySpec> = {
  redfish_address: {
    required: true,
    description: 'URL of the Redfish service: scheme and authority (https assumed when the scheme is missing); a path, if given, is the service root prefix instead of /redfish/v1/. Required.',
  },
  redfish_system_id: {
    required: false,
    description: 'Path of the ComputerSystem to manage, e.g. /redfish/v1/Systems/1. Needed only when the BMC manages more than one system. Optional.',
  },
  redfish_username: { required: false, description: 'User name of an account allowed to manage the system. Optional, but without it no authentication is sent.' },
  redfish_password: { required: false, secret: true, description: 'Password of that account. Optional.' },
  redfish_verify_ca: {
    required: false,
    description: 'true to verify the BMC\'s TLS certificate against the system CAs (default), false not to verify, or the path of a CA bundle file or directory. Optional.',
  },
  redfish_auth_type: { required: false, description: 'Authentication: "basic", "session" or "auto" (a session, falling back to basic; the default). Optional.' },
};

export interface RedfishInfo extends RedfishEndpoint {
  /** The system's path, if driver_info names one. */
  systemId?: string;
}

const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE = ['0', 'f', 'false', 'off', 'n', 'no'];

export function parseRedfishInfo(node: DriverNode, defaults: { authType?: AuthType } = {}): RedfishInfo {
  checkRequired(node, REDFISH_PROPERTIES);
  const label = nodeLabel(node);
  const rawAddress = optionalString(node, 'redfish_address')!;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(rawAddress) ? rawAddress : `https://${rawAddress}`);
  } catch {
    throw invalidParameter(label, 'redfish_address', `"${rawAddress}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidParameter(label, 'redfish_address', `scheme ${url.protocol} is not http or https`);
  if (!url.hostname) throw invalidParameter(label, 'redfish_address', `"${rawAddress}" has no host`);
  let rootPrefix = url.pathname && url.pathname !== '/' ? url.pathname : '/redfish/v1/';
  if (!rootPrefix.endsWith('/')) rootPrefix += '/';

  const systemId = optionalString(node, 'redfish_system_id');
  if (systemId !== undefined && !/^\/[^\s?#]*$/.test(systemId)) {
    throw invalidParameter(label, 'redfish_system_id', `"${systemId}" is not a path such as /redfish/v1/Systems/1`);
  }

  const v = node.driver_info.redfish_verify_ca;
  let verifyCa: boolean | string = true;
  if (typeof v === 'boolean') verifyCa = v;
  else if (typeof v === 'string' && v !== '') {
    const s = v.trim().toLowerCase();
    if (TRUE.includes(s)) verifyCa = true;
    else if (FALSE.includes(s)) verifyCa = false;
    else if (existsSync(v)) verifyCa = v;
    else throw invalidParameter(label, 'redfish_verify_ca', `"${v}" is neither a boolean nor an existing CA file or directory`);
  } else if (v !== undefined && v !== null && v !== '') {
    throw invalidParameter(label, 'redfish_verify_ca', 'expected a boolean or a path');
  }

  const authType = (optionalString(node, 'redfish_auth_type') ?? defaults.authType ?? 'auto') as AuthType;
  if (!['basic', 'session', 'auto'].includes(authType)) {
    throw invalidParameter(label, 'redfish_auth_type', `"${authType}" is not one of basic, session, auto`);
  }
  return {
    address: `${url.protocol}//${url.host}`,
    rootPrefix,
    systemId,
    username: optionalString(node, 'redfish_username'),
    password: optionalString(node, 'redfish_password'),
    verifyCa,
    authType,
  };
}
