/**
 * Agent tokens (Ironic's agent_secret_token): generated on a node's first
 * lookup, handed to that agent once, then required on every heartbeat and
 * sent back on every conductor→agent command. Kept in the node's
 * driver_internal_info sealed with the server's SecretBox, masked wherever
 * the node is shown.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { MASK, type SecretBox } from '../../core/index.js';

/** Where the sealed token lives in driver_internal_info (Ironic's key). */
export const TOKEN_KEY = 'agent_secret_token';
/** What a second lookup receives instead of the token: unusable, as in Ironic. */
export const TOKEN_MASK = MASK;

/** 32 random bytes, URL-safe base64 (43 characters), like Python's secrets.token_urlsafe(). */
export function generateAgentToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hasAgentToken(dii: Record<string, unknown> | undefined): boolean {
  const v = dii?.[TOKEN_KEY];
  return v !== undefined && v !== null && v !== '';
}

/** The node's token in clear, or null when none was issued. */
export function openAgentToken(dii: Record<string, unknown> | undefined, secrets: SecretBox): string | null {
  const v = dii?.[TOKEN_KEY];
  if (typeof v !== 'string' || v === '') return null;
  return secrets.open(v);
}

/** Constant-time comparison of a presented token with the node's. */
export function agentTokenMatches(dii: Record<string, unknown> | undefined, presented: unknown, secrets: SecretBox): boolean {
  if (typeof presented !== 'string' || presented === '') return false;
  const known = openAgentToken(dii, secrets);
  if (known === null) return false;
  // Hash both sides so the comparison takes the same time whatever their lengths.
  const a = createHash('sha256').update(known).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/** A copy of driver_internal_info with the token masked, for API output. */
export function maskAgentToken<T extends Record<string, unknown> | undefined | null>(dii: T): T {
  if (!dii || !hasAgentToken(dii)) return dii;
  return { ...dii, [TOKEN_KEY]: TOKEN_MASK };
}

/** Driver-internal keys that belong to one agent session (Ironic's wipe_token_and_url). */
export const AGENT_SESSION_KEYS = ['agent_secret_token', 'agent_secret_token_pregenerated', 'agent_url', 'agent_verify_ca'] as const;

/** Forgets the agent's token and URL, so the next ramdisk gets a fresh token on its first lookup. Mutates and returns `dii`. */
export function wipeAgentSession(dii: Record<string, unknown>): Record<string, unknown> {
  for (const k of AGENT_SESSION_KEYS) delete dii[k];
  return dii;
}
