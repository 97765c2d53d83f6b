/**
 * Secrets in node fields. Keys that name a password, secret or token (at any
 * depth of driver_info and instance_info) are sealed at rest with the
 * server's SecretBox, opened only for drivers, and masked as `******` in
 * every API response, as Ironic's strutils.mask_dict_password masks them.
 */
import { MASK, SecretBox } from '../../core/index.js';

/** After oslo's _SANITIZE_KEYS: any key containing one of these (case-insensitive). */
const SECRET_KEY_RE = /pass(word|wd|phrase)?$|password|secret|token|private_key|encrypted_key|fernetkey|sslkey/i;

export function isSecretKey(key: string, declared?: ReadonlySet<string>): boolean {
  // `ipmi_username` and friends are not secrets; keys ending in "pass" (sys_pass) are.
  return (declared?.has(key) ?? false) || SECRET_KEY_RE.test(key);
}

type Box = Pick<SecretBox, 'seal' | 'open'>;

/**
 * Seals every secret string value that is not sealed yet. A value equal to
 * the mask means "unchanged": the previous sealed value at that path is
 * kept, so a client that sends back what it read does not erase a password.
 */
export function sealSecrets(value: unknown, box: Box, previous?: unknown, declared?: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v, i) => sealSecrets(v, box, Array.isArray(previous) ? previous[i] : undefined, declared));
  if (!value || typeof value !== 'object') return value;
  const prev = previous && typeof previous === 'object' && !Array.isArray(previous) ? (previous as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (isSecretKey(k, declared) && typeof v === 'string') {
      if (v === MASK && SecretBox.isSealed(prev[k])) out[k] = prev[k];
      else out[k] = SecretBox.isSealed(v) ? v : box.seal(v);
    } else {
      out[k] = sealSecrets(v, box, prev[k], declared);
    }
  }
  return out;
}

/** Opens every sealed value (for drivers, never for responses). */
export function openSecrets<T>(value: T, box: Pick<SecretBox, 'open'>): T {
  if (Array.isArray(value)) return value.map((v) => openSecrets(v, box)) as T;
  if (typeof value === 'string') return (SecretBox.isSealed(value) ? box.open(value) : value) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = openSecrets(v, box);
  return out as T;
}

/** Replaces secret values (sealed or not) with the mask, at any depth. */
export function maskSecrets<T>(value: T, declared?: ReadonlySet<string>): T {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, declared)) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (isSecretKey(k, declared) && v !== null && v !== undefined && typeof v !== 'object') out[k] = MASK;
    else if (SecretBox.isSealed(v)) out[k] = MASK;
    else out[k] = maskSecrets(v, declared);
  }
  return out as T;
}
