/**
 * The system controller's records of its subclouds and subcloud groups
 * (dcmanager's `subclouds` and `subcloud_group` tables). A subcloud's admin
 * token is sealed with the server's secret key on the way in and unsealed
 * only to call the subcloud; no view carries it.
 */
import type { Kysely } from 'kysely';
import { ConflictError, InvalidInputError, NotFoundError, isUniqueViolation, json, moveState, parseJson, type SecretBox } from '../../core/index.js';
import { availabilityState, managementMachine, managementState, type Availability, type Management, type ManagementEvent } from './machines.js';
import type { AlarmCounts, AuditedState } from './audit-step.js';
import type { EndpointType, SyncStatus } from './sync-digest.js';
import { ENDPOINT_TYPES } from './sync-digest.js';

interface SubcloudRow {
  id: number;
  name: string;
  description: string | null;
  location: string | null;
  group_id: number;
  endpoint: string;
  token_sealed: string;
  software_version: string | null;
  management_state: string;
  availability_status: string;
  deploy_status: string;
  missed_audits: number;
  last_audit_at: number | null;
  last_error: string | null;
  endpoint_sync: string;
  alarm_summary: string | null;
  created_at: number;
  updated_at: number | null;
}

interface GroupRow {
  id: number;
  name: string;
  description: string;
  update_apply_type: string;
  max_parallel_subclouds: number;
  created_at: number;
  updated_at: number | null;
}

interface Tables {
  edge_subclouds: SubcloudRow;
  edge_subcloud_groups: GroupRow;
}

export interface Subcloud extends AuditedState {
  id: number;
  description: string | null;
  location: string | null;
  groupId: number;
  endpoint: string;
  deployStatus: string;
  lastAuditAt: number | null;
  createdAt: number;
  updatedAt: number | null;
}

export interface SubcloudGroup {
  id: number;
  name: string;
  description: string;
  updateApplyType: 'serial' | 'parallel';
  maxParallelSubclouds: number;
  createdAt: number;
  updatedAt: number | null;
}

export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

function checkEndpoint(endpoint: string): string {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    throw new InvalidInputError(`endpoint must be the subcloud's Strata URL, e.g. http://10.0.0.2:7070 (got "${endpoint}")`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash) {
    throw new InvalidInputError(`endpoint must be an http(s) URL without credentials, query or fragment (got "${endpoint}")`);
  }
  return u.toString().replace(/\/+$/, '');
}

export class Subclouds {
  private readonly db: Kysely<Tables>;

  constructor(db: Kysely<any>, private readonly secrets: SecretBox) {
    this.db = db as Kysely<Tables>;
  }

  token(s: Subcloud & { sealed?: string }): string {
    return this.secrets.open(s.sealed!);
  }

  async add(input: { name: string; endpoint: string; token: string; group_id?: number; description?: string; location?: string }): Promise<Subcloud> {
    if (!NAME_PATTERN.test(input.name)) throw new InvalidInputError(`name must start with a letter and hold up to 63 letters, digits, '_' or '-' (got "${input.name}")`);
    if (/^\d+$/.test(input.name)) throw new InvalidInputError('name must not be a number (ids are)');
    const endpoint = checkEndpoint(input.endpoint);
    if (!input.token || /\s/.test(input.token)) throw new InvalidInputError('token must be the subcloud\'s admin token (no spaces)');
    const groupId = input.group_id ?? 1;
    await this.group(String(groupId));
    const now = Date.now();
    try {
      await this.db
        .insertInto('edge_subclouds')
        .values({
          name: input.name, description: input.description ?? null, location: input.location ?? null, group_id: groupId, endpoint,
          token_sealed: this.secrets.seal(input.token), software_version: null, management_state: managementMachine.spec.initial,
          availability_status: 'offline', deploy_status: 'complete', missed_audits: 0, last_audit_at: null, last_error: null,
          endpoint_sync: json(Object.fromEntries(ENDPOINT_TYPES.map((t) => [t, 'unknown']))), alarm_summary: null, created_at: now, updated_at: null,
        } as Omit<SubcloudRow, 'id'> as SubcloudRow)
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Subcloud with name ${input.name} already exists`);
      throw err;
    }
    return this.get(input.name);
  }

  async list(filter: { groupId?: number } = {}): Promise<(Subcloud & { sealed: string })[]> {
    let q = this.db.selectFrom('edge_subclouds').selectAll().orderBy('id');
    if (filter.groupId !== undefined) q = q.where('group_id', '=', filter.groupId);
    return (await q.execute()).map(toSubcloud);
  }

  /** By id or name, as dcmanager accepts either. */
  async get(ref: string): Promise<Subcloud & { sealed: string }> {
    const q = this.db.selectFrom('edge_subclouds').selectAll();
    const row = await (/^\d+$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where('name', '=', ref)).executeTakeFirst();
    if (!row) throw new NotFoundError(`Subcloud not found: ${ref}`);
    return toSubcloud(row);
  }

  async update(ref: string, patch: { management?: ManagementEvent; description?: string; location?: string; group_id?: number }): Promise<Subcloud> {
    const cur = await this.get(ref);
    const set: Partial<SubcloudRow> = { updated_at: Date.now() };
    if (patch.management) {
      const target = patch.management === 'manage' ? 'managed' : 'unmanaged';
      if (cur.management === target) throw new InvalidInputError(`Subcloud ${cur.name} already ${target}`);
    }
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.location !== undefined) set.location = patch.location;
    if (patch.group_id !== undefined) {
      await this.group(String(patch.group_id));
      set.group_id = patch.group_id;
    }
    if (!patch.management) await this.db.updateTable('edge_subclouds').set(set).where('id', '=', cur.id).execute();
    else if (!(await moveState(this.db, managementState, cur.id, cur.management, patch.management, { set }))) {
      throw new ConflictError(`Subcloud ${cur.name} changed meanwhile: try again`);
    }
    return this.get(String(cur.id));
  }

  async remove(ref: string): Promise<Subcloud> {
    const cur = await this.get(ref);
    if (cur.management === 'managed') throw new InvalidInputError(`Cannot delete a subcloud that is "managed" (${cur.name}): unmanage it first`);
    await this.db.deleteFrom('edge_subclouds').where('id', '=', cur.id).execute();
    return cur;
  }

  /** What an audit learnt; written only when something changed, so a quiet fleet costs no writes. */
  async recordAudit(cur: Subcloud, next: AuditedState, now: number): Promise<void> {
    const changed =
      cur.availability !== next.availability || cur.missedAudits !== next.missedAudits || cur.softwareVersion !== next.softwareVersion ||
      cur.lastError !== next.lastError || json(cur.endpointSync) !== json(next.endpointSync) || json(cur.alarmSummary) !== json(next.alarmSummary);
    if (!changed) return;
    const set = {
      missed_audits: next.missedAudits, software_version: next.softwareVersion, last_error: next.lastError,
      endpoint_sync: json(next.endpointSync), alarm_summary: next.alarmSummary ? json(next.alarmSummary) : null, last_audit_at: now, updated_at: now,
    };
    if (cur.availability === next.availability) {
      await this.db.updateTable('edge_subclouds').set(set).where('id', '=', cur.id).execute();
      return;
    }
    // The audit step moved availability by the table; the same move is made here, guarded and recorded.
    const event = next.availability === 'online' ? 'audit_ok' : 'audits_missed';
    await moveState(this.db, availabilityState, cur.id, cur.availability, event, { set });
  }

  async setSync(id: number, type: EndpointType, status: SyncStatus): Promise<void> {
    const row = await this.db.selectFrom('edge_subclouds').select('endpoint_sync').where('id', '=', id).executeTakeFirst();
    if (!row) return;
    const sync = { ...parseJson<Record<string, string>>(row.endpoint_sync, {}), [type]: status };
    await this.db.updateTable('edge_subclouds').set({ endpoint_sync: json(sync), updated_at: Date.now() }).where('id', '=', id).execute();
  }

  // ------------------------------------------------------------ groups

  async groups(): Promise<SubcloudGroup[]> {
    return (await this.db.selectFrom('edge_subcloud_groups').selectAll().orderBy('id').execute()).map(toGroup);
  }

  async group(ref: string): Promise<SubcloudGroup> {
    const q = this.db.selectFrom('edge_subcloud_groups').selectAll();
    const row = await (/^\d+$/.test(ref) ? q.where('id', '=', Number(ref)) : q.where('name', '=', ref)).executeTakeFirst();
    if (!row) throw new NotFoundError(`Subcloud Group not found: ${ref}`);
    return toGroup(row);
  }

  async addGroup(input: { name: string; description?: string; update_apply_type?: string; max_parallel_subclouds?: number }): Promise<SubcloudGroup> {
    if (!NAME_PATTERN.test(input.name) || /^\d+$/.test(input.name)) throw new InvalidInputError(`name must start with a letter and hold up to 63 letters, digits, '_' or '-' (got "${input.name}")`);
    try {
      await this.db
        .insertInto('edge_subcloud_groups')
        .values({
          name: input.name, description: input.description ?? 'No description provided', update_apply_type: input.update_apply_type ?? 'parallel',
          max_parallel_subclouds: input.max_parallel_subclouds ?? 2, created_at: Date.now(), updated_at: null,
        } as Omit<GroupRow, 'id'> as GroupRow)
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A subcloud group with name ${input.name} already exists`);
      throw err;
    }
    return this.group(input.name);
  }

  async updateGroup(ref: string, patch: { name?: string; description?: string; update_apply_type?: string; max_parallel_subclouds?: number }): Promise<SubcloudGroup> {
    const g = await this.group(ref);
    if (patch.name !== undefined && g.id === 1) throw new InvalidInputError('the Default subcloud group cannot be renamed');
    if (patch.name !== undefined && (!NAME_PATTERN.test(patch.name) || /^\d+$/.test(patch.name))) throw new InvalidInputError(`name must start with a letter (got "${patch.name}")`);
    const set: Partial<GroupRow> = { updated_at: Date.now() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.update_apply_type !== undefined) set.update_apply_type = patch.update_apply_type;
    if (patch.max_parallel_subclouds !== undefined) set.max_parallel_subclouds = patch.max_parallel_subclouds;
    try {
      await this.db.updateTable('edge_subcloud_groups').set(set).where('id', '=', g.id).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A subcloud group with name ${patch.name} already exists`);
      throw err;
    }
    return this.group(String(g.id));
  }

  async removeGroup(ref: string): Promise<void> {
    const g = await this.group(ref);
    if (g.id === 1) throw new InvalidInputError('the Default subcloud group cannot be deleted');
    const members = await this.list({ groupId: g.id });
    if (members.length) throw new InvalidInputError(`subcloud group ${g.name} still holds ${members.length} subcloud(s): move them first`);
    await this.db.deleteFrom('edge_subcloud_groups').where('id', '=', g.id).execute();
  }
}

function toSubcloud(r: SubcloudRow): Subcloud & { sealed: string } {
  return {
    id: Number(r.id), name: r.name, description: r.description, location: r.location, groupId: Number(r.group_id), endpoint: r.endpoint, sealed: r.token_sealed,
    softwareVersion: r.software_version, management: r.management_state as Management, availability: r.availability_status as Availability,
    deployStatus: r.deploy_status, missedAudits: Number(r.missed_audits), lastAuditAt: r.last_audit_at === null ? null : Number(r.last_audit_at), lastError: r.last_error,
    endpointSync: parseJson(r.endpoint_sync, {}), alarmSummary: parseJson<AlarmCounts | null>(r.alarm_summary, null),
    createdAt: Number(r.created_at), updatedAt: r.updated_at === null ? null : Number(r.updated_at),
  };
}

function toGroup(r: GroupRow): SubcloudGroup {
  return {
    id: Number(r.id), name: r.name, description: r.description, updateApplyType: r.update_apply_type as 'serial' | 'parallel',
    maxParallelSubclouds: Number(r.max_parallel_subclouds), createdAt: Number(r.created_at), updatedAt: r.updated_at === null ? null : Number(r.updated_at),
  };
}
