/**
 * What "in sync" means for each endpoint type: the same digest on both
 * sides. For `identity`, the controller's tokens (their stored hashes,
 * roles, projects, expiry and revocation) against the copies the subcloud
 * holds from it; its own local tokens are not part of it. For `platform`,
 * the documents of the controller's newest revision tagged `fleet` against
 * the subcloud's `fleet` bucket (fleet-site.ts). For `images`, the
 * controller's active accel images (bitstreams) against the copies the
 * subcloud holds from it, by uuid, metadata and sha256.
 */
import { createHash } from 'node:crypto';
import type { HashedToken } from '../../core/index.js';

export const ENDPOINT_TYPES = ['identity', 'platform', 'images'] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];
export type SyncStatus = 'in-sync' | 'out-of-sync' | 'unknown';

export function identityDigest(rows: readonly HashedToken[]): string {
  const canonical = [...rows]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => [r.id, r.name, r.hash, r.role, r.project, r.expires_at, r.revoked_at]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** dcmanager's overall `sync_status`: in-sync when every endpoint is, out-of-sync when any is, else unknown. */
export function overallSync(statuses: readonly SyncStatus[]): SyncStatus {
  if (statuses.length > 0 && statuses.every((s) => s === 'in-sync')) return 'in-sync';
  if (statuses.some((s) => s === 'out-of-sync')) return 'out-of-sync';
  return 'unknown';
}

export interface SyncedImage {
  uuid: string;
  name: string | null;
  sha256: string | null;
  bitstreamId: string | null;
  functionId: string | null;
  vendor: string | null;
  project: string;
}

export function imagesDigest(images: readonly SyncedImage[]): string {
  const canonical = [...images]
    .sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0))
    .map((i) => [i.uuid, i.name, i.sha256, i.bitstreamId, i.functionId, i.vendor, i.project]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
