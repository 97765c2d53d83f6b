/**
 * Microversion negotiation, as Ironic does it (api/controllers/base.py,
 * v1/__init__.py): the client asks with `X-OpenStack-Ironic-API-Version:
 * 1.N` (or `latest`), or the standard `OpenStack-API-Version: baremetal
 * 1.N`; no header means the minimum, 1.1. A version outside [MIN, MAX]
 * answers 406 with the range in the body and headers. Every answer carries
 * the minimum, maximum and chosen version.
 *
 * MAX is 1.78 (node history), the newest python3-ironicclient 5.0.1 knows;
 * docs/metal-api.md lists what each version adds and what Strata does with it.
 */
import { MetalError } from '../conductor/errors.js';

export const MIN_MINOR = 1;
export const MAX_MINOR = 78;
export const MIN_VERSION = `1.${MIN_MINOR}`;
export const MAX_VERSION = `1.${MAX_MINOR}`;

export const VERSION_HEADER = 'X-OpenStack-Ironic-API-Version';
export const MIN_HEADER = 'X-OpenStack-Ironic-API-Minimum-Version';
export const MAX_HEADER = 'X-OpenStack-Ironic-API-Maximum-Version';
export const STANDARD_HEADER = 'OpenStack-API-Version';

/** Headers every versioned answer (and every 406) carries. */
export function rangeHeaders(): Record<string, string> {
  return { [MIN_HEADER]: MIN_VERSION, [MAX_HEADER]: MAX_VERSION };
}

export class VersionError extends MetalError {
  constructor(message: string) {
    super(406, 'NotAcceptable', message);
  }
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The version a request asks for, as its raw string, or undefined for "none given". */
export function requestedVersion(headers: Record<string, string | string[] | undefined>): string | undefined {
  const ironic = first(headers[VERSION_HEADER.toLowerCase()]);
  if (ironic !== undefined && ironic.trim() !== '') return ironic.trim();
  const standard = first(headers[STANDARD_HEADER.toLowerCase()]);
  if (standard) {
    // "compute 2.1, baremetal 1.50": pick this service's entry.
    for (const part of standard.split(',')) {
      const [service, version] = part.trim().split(/\s+/, 2);
      if (service?.toLowerCase() === 'baremetal' && version) return version;
    }
  }
  return undefined;
}

/** Parses and checks a requested version; returns the minor number. Throws VersionError (406). */
export function negotiate(raw: string | undefined): number {
  if (raw === undefined) return MIN_MINOR;
  if (raw.toLowerCase() === 'latest') return MAX_MINOR;
  const m = /^(\d+)\.(\d+)$/.exec(raw);
  if (!m) throw new VersionError(`Invalid value for ${VERSION_HEADER} header`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const range = `The supported version range is: [${MIN_VERSION}, ${MAX_VERSION}].`;
  if (major !== 1) throw new VersionError(`Mutually exclusive versions requested. Version ${major}.${minor} requested but not supported by this service. ${range}`);
  if (minor < MIN_MINOR || minor > MAX_MINOR) {
    throw new VersionError(`Version ${major}.${minor} was requested but the minor version is not supported by this service. ${range}`);
  }
  return minor;
}
