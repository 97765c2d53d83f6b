/**
 * The Ironic API microversions the ramdisk endpoints depend on
 * (ironic/api/controllers/v1/versions.py). A request without the
 * `X-OpenStack-Ironic-API-Version` header gets the minimum, 1.1, as in
 * Ironic; `latest` gets the maximum.
 */
import { StrataError } from '../../core/index.js';

export const MIN_MINOR = 1;
export const MAX_MINOR = 82;
export const MINOR_LOOKUP_HEARTBEAT = 22;
export const MINOR_AGENT_VERSION = 36;
export const MINOR_AGENT_TOKEN = 62;
export const MINOR_VERIFY_CA = 68;
export const MINOR_AGENT_STATUS = 72;

export const VERSION_HEADER = 'x-openstack-ironic-api-version';

/** The requested minor version; 406 for a malformed or unsupported one (Ironic's answer). */
export function requestedMinor(header: string | string[] | undefined): number {
  const v = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!v) return MIN_MINOR;
  if (v.toLowerCase() === 'latest') return MAX_MINOR;
  const m = /^1\.(\d{1,3})$/.exec(v);
  if (!m) throw new StrataError(`Invalid value for ${VERSION_HEADER} header: ${JSON.stringify(v)}`, { status: 406, code: 'not_acceptable' });
  const minor = Number(m[1]);
  if (minor < MIN_MINOR || minor > MAX_MINOR) {
    throw new StrataError(`Version 1.${minor} was requested but the minor version is not supported by this service. The supported version range is: [1.${MIN_MINOR}, 1.${MAX_MINOR}].`, {
      status: 406,
      code: 'not_acceptable',
    });
  }
  return minor;
}
