/**
 * Per-request context of the bare-metal API (the negotiated version, the
 * public URL links are built from, who is calling) and the access rules
 * for project-scoped callers, after Ironic's secure-RBAC defaults:
 *
 * - admin: everything;
 * - a node's owner project (member role): everything on the node except
 *   creating or deleting it and changing who owns it;
 * - a node's lessee project (member role): provisioning, power, boot device,
 *   VIFs, and `extra` / `instance_info`; secret-bearing fields are redacted;
 * - readers: only reads; nodes of other projects are invisible (404).
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../../core/index.js';
import type { NodeRecord } from '../db/records.js';
import { forbidden, nodeNotFound } from '../conductor/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The negotiated bare-metal API minor version (1.x). */
    ironicMinor: number;
  }
}

export interface ApiContext {
  minor: number;
  /** Public base of the API, e.g. http://127.0.0.1:7070/baremetal */
  base: string;
  principal: Principal;
  admin: boolean;
  project: string;
}

/** The public base URL links are built from (Ironic's public_url), e.g. http://127.0.0.1:7070/baremetal. */
export function publicBase(req: FastifyRequest, prefix: string): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}${prefix}`;
}

export function apiContext(req: FastifyRequest, prefix: string): ApiContext {
  const p = req.principal;
  return { minor: req.ironicMinor, base: publicBase(req, prefix), principal: p, admin: p.role === 'admin', project: p.project };
}

/** What a caller wants to do with a node, by the policy family Ironic names. */
export type NodeAction = 'get' | 'update' | 'update-owner' | 'provision' | 'power' | 'manage' | 'lessee-update' | 'delete';

export type NodeRelation = 'admin' | 'owner' | 'lessee' | 'none';

export function relationTo(x: ApiContext, node: Pick<NodeRecord, 'owner' | 'lessee'>): NodeRelation {
  if (x.admin) return 'admin';
  if (node.owner && node.owner === x.project) return 'owner';
  if (node.lessee && node.lessee === x.project) return 'lessee';
  return 'none';
}

/**
 * Throws 404 when the caller may not see the node at all (Ironic conceals
 * other projects' nodes), 403 when it may see it but not do this.
 */
export function authorizeNode(x: ApiContext, node: NodeRecord, action: NodeAction, ident = node.uuid): NodeRelation {
  const rel = relationTo(x, node);
  if (rel === 'none') throw nodeNotFound(ident);
  if (rel === 'admin' || action === 'get') return rel;
  const reader = x.principal.role === 'reader';
  if (reader) throw forbidden(`Access was denied to the following resource: baremetal:node:${action}`);
  const allowed: Record<NodeAction, NodeRelation[]> = {
    get: ['owner', 'lessee'],
    update: ['owner'],
    'update-owner': [],
    manage: ['owner'],
    provision: ['owner', 'lessee'],
    power: ['owner', 'lessee'],
    'lessee-update': ['owner', 'lessee'],
    delete: [],
  };
  if (!allowed[action].includes(rel)) throw forbidden(`Access was denied to the following resource: baremetal:node:${action}`);
  return rel;
}
