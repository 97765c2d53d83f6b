/**
 * Cyborg's microversions (cyborg/api/controllers/v2/versions.py): asked for
 * with `OpenStack-API-Version: accelerator 2.N` (or `latest`); none means
 * 2.0. What each adds here: 2.1 an ARQ's project_id, 2.2 device profiles
 * shown by name and their description, 2.3 device status and
 * enable/disable. Outside [2.0, 2.3] is a 406; a malformed header a 400.
 */
import { InvalidInputError, StrataError } from '../../core/index.js';

export const MIN_MINOR = 0;
export const MAX_MINOR = 3;
export const HEADER = 'OpenStack-API-Version';
export const SERVICE = 'accelerator';

export class VersionError extends StrataError {
  constructor(message: string) {
    super(message, { status: 406, code: 'not_acceptable' });
  }
}

/** The minor version a request asks for (pure over its header). */
export function negotiate(header: string | string[] | undefined): number {
  const raw = (Array.isArray(header) ? header.join(',') : header ?? '').trim();
  if (!raw) return MIN_MINOR;
  // the header may name several services: "compute 2.1, accelerator 2.2"
  const mine = raw.split(',').map((s) => s.trim().split(/\s+/)).find(([svc]) => svc?.toLowerCase() === SERVICE);
  if (!mine) return MIN_MINOR;
  const v = mine[1] ?? '';
  if (v.toLowerCase() === 'latest') return MAX_MINOR;
  const m = /^(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new InvalidInputError(`invalid ${HEADER} header "${raw}": expected "${SERVICE} 2.N" or "${SERVICE} latest"`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major !== 2 || minor < MIN_MINOR || minor > MAX_MINOR)
    throw new VersionError(`Version ${v} was requested but is not supported by this service. The supported version range is: [2.${MIN_MINOR}, 2.${MAX_MINOR}].`);
  return minor;
}
