/**
 * The accelerator service: inventory (discovery on this host, reports from
 * metal nodes), device profiles, accelerator requests and their binding,
 * and programming. Every ARQ state write goes through core's moveState
 * (the ARQ table, a guard on the state it moves from, the history); every reservation of a deployable is a
 * guarded increment (`used < num_accelerators * max_clients`), so two
 * servers on one store never over-allocate. Binding and programming are
 * durable core tasks: a server killed mid-bind leaves a task that the next
 * one takes over, finishing the bind or releasing the device.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { canSeeProject, ConflictError, InvalidInputError, json, moveState, type Logger, type Principal, type TaskRunner } from '../core/index.js';
import type { AccelDriver } from './drivers/index.js';
import type { SyncReport } from './inventory.js';
import { AccelInventory, type InventoryOptions } from './inventory-service.js';
import { attachInfo, candidates, groupIndex, pinned } from './binding-queries.js';
import { ImageStore } from './images.js';
import { arqMachine, arqState, HOLDS_DEVICE, type ArqEvent, type ArqState } from './states.js';
import { arqsFor, requirementOf, validateProfile } from './profiles.js';
import { capacity, explain, pick, unfit, type Candidate } from './matching.js';
import { toArq, toProfile } from './db/rows.js';
import { noSuch, BindError } from './errors.js';
import type { AcceleratorRequest, Deployable, DeviceProfile, InstanceKind } from './model.js';

export interface AccelServiceOptions extends InventoryOptions {
  imageDir: string;
  maxImageBytes: number;
}

/** What the service asks other modules about instances, so it can release devices of ones that are gone. */
export interface InstanceProbe {
  /** true: alive; false: gone; undefined: cannot tell (keep the binding) */
  alive(kind: InstanceKind, uuid: string): Promise<boolean | undefined>;
}

export interface BindTarget {
  instanceUuid: string;
  instanceKind: InstanceKind;
  hostname?: string;
  deviceRpUuid?: string;
}

/** What a bound ARQ hands a sandbox. */
export interface Attachment {
  arq: string;
  deployable: string;
  deviceNodes: string[];
  pciAddress?: string;
  env: Record<string, string>;
}

export const BIND_TASK = 'accel.bind';
export const PROGRAM_TASK = 'accel.program';

export class AccelService extends AccelInventory {
  readonly images: ImageStore;
  private probe: InstanceProbe | undefined;

  constructor(
    db: Kysely<any>,
    private readonly tasks: TaskRunner,
    log: Logger,
    opts: AccelServiceOptions,
  ) {
    super(db, log, opts);
    this.images = new ImageStore(db, opts.imageDir, opts.maxImageBytes);
    tasks.register<{ arq: string }>(BIND_TASK, {
      run: async ({ task }) => this.finishBind(task.payload.arq),
      onFailed: async (task, error) => void (await this.failBind(task.payload.arq, error)),
    });
    tasks.register<{ deployable: string; image: string }>(PROGRAM_TASK, {
      run: async ({ task }) => this.programNow(task.payload.deployable, task.payload.image),
    });
  }

  useInstanceProbe(probe: InstanceProbe): void {
    this.probe = probe;
  }

  // ------------------------------------------------------------ hosts

  /** A host left (a node was deleted): its requests are released and its devices dropped. */
  async retireHost(hostname: string): Promise<SyncReport> {
    const held = await this.db.selectFrom('accel_arqs').select(['uuid', 'state']).where('hostname', '=', hostname).where('state', 'in', [...HOLDS_DEVICE]).execute();
    for (const a of held as any[]) await this.release(a.uuid, a.state === 'UnbindFailed' ? 'delete' : 'unbind', `host ${hostname} was retired`);
    return this.syncHost(hostname, []);
  }

  // ------------------------------------------------------------ device profiles

  async createProfile(caller: Principal, body: unknown): Promise<DeviceProfile> {
    const p = validateProfile(body);
    const now = Date.now();
    const uuid = randomUUID();
    const taken = await this.db.selectFrom('accel_device_profiles').select('uuid').where('name', '=', p.name).executeTakeFirst();
    if (taken) throw new ConflictError(`a device profile named ${p.name} already exists`);
    await this.db.insertInto('accel_device_profiles').values({ uuid, name: p.name, description: p.description, groups: json(p.groups), project: caller.project, created_at: now, updated_at: now }).execute();
    return this.getProfile(uuid);
  }

  async listProfiles(filter: { name?: string } = {}): Promise<DeviceProfile[]> {
    let q = this.db.selectFrom('accel_device_profiles').selectAll().orderBy('name');
    if (filter.name) q = q.where('name', '=', filter.name);
    return (await q.execute()).map(toProfile);
  }

  /** By uuid, or by name where `byName` (Cyborg 2.2). */
  async getProfile(id: string, byName = true, db: Kysely<any> = this.db): Promise<DeviceProfile> {
    let r = await db.selectFrom('accel_device_profiles').selectAll().where('uuid', '=', id).executeTakeFirst();
    if (!r && byName) r = await db.selectFrom('accel_device_profiles').selectAll().where('name', '=', id).executeTakeFirst();
    if (!r) throw noSuch('device profile', id);
    return toProfile(r);
  }

  async deleteProfile(id: string): Promise<void> {
    const p = await this.getProfile(id);
    const inUse = await this.db.selectFrom('accel_arqs').select('uuid').where('device_profile_name', '=', p.name).executeTakeFirst();
    if (inUse) throw new ConflictError(`device profile ${p.name} is used by accelerator request ${(inUse as any).uuid}; delete its requests first`);
    await this.db.deleteFrom('accel_device_profiles').where('uuid', '=', p.uuid).execute();
  }

  // ------------------------------------------------------------ accelerator requests

  /** One ARQ per accelerator the profile asks for (or its one group's), as Cyborg creates them. */
  async createArqs(caller: Principal, profileName: string, groupId?: number, trx: Kysely<any> = this.db, owner?: { instanceUuid: string; instanceKind: InstanceKind }): Promise<AcceleratorRequest[]> {
    const profile = await this.getProfile(profileName, true, trx);
    const all = arqsFor(profile.groups);
    if (groupId !== undefined && !all.some((a) => a.groupId === groupId)) throw new InvalidInputError(`device profile ${profile.name} has no group ${groupId} (it has ${profile.groups.length})`);
    const now = Date.now();
    const made: string[] = [];
    const perGroup = new Map<number, number>();
    for (const a of all) {
      const index = perGroup.get(a.groupId) ?? 0;
      perGroup.set(a.groupId, index + 1);
      if (groupId !== undefined && a.groupId !== groupId) continue;
      const uuid = randomUUID();
      await trx
        .insertInto('accel_arqs')
        .values({
          uuid,
          state: arqMachine.spec.initial,
          device_profile_name: profile.name,
          device_profile_group_id: a.groupId,
          group_index: index,
          project: caller.project,
          // made for an instance: it names it from birth, so it goes with it even if never bound
          owned_by_instance: owner ? 1 : 0,
          instance_uuid: owner?.instanceUuid ?? null,
          instance_kind: owner?.instanceKind ?? null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      made.push(uuid);
    }
    return Promise.all(made.map((u) => this.getArq(caller, u, trx)));
  }

  async listArqs(caller: Principal, filter: { instance?: string; bindState?: string } = {}): Promise<AcceleratorRequest[]> {
    let q = this.db.selectFrom('accel_arqs').selectAll().orderBy('created_at').orderBy('uuid');
    if (caller.role !== 'admin') q = q.where('project', '=', caller.project);
    if (filter.instance) q = q.where('instance_uuid', '=', filter.instance);
    if (filter.bindState) {
      // Cyborg's bind_state=resolved: every ARQ of the instance has finished binding one way or the other
      const states = filter.bindState === 'resolved' ? ['Bound', 'BindFailed'] : [filter.bindState];
      q = q.where('state', 'in', states);
    }
    return (await q.execute()).map(toArq);
  }

  async getArq(caller: Principal, uuid: string, db: Kysely<any> = this.db): Promise<AcceleratorRequest> {
    const r: any = await db.selectFrom('accel_arqs').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    if (!r || !canSeeProject(caller, r.project)) throw noSuch('accelerator request', uuid);
    return toArq(r);
  }

  /** Moves an ARQ by the table, guarded on its current state; false when another writer moved it first. */
  private async move(trx: Kysely<any>, arq: AcceleratorRequest, event: ArqEvent, set: Record<string, unknown> = {}): Promise<ArqState | undefined> {
    const row = await moveState(trx, arqState, arq.uuid, arq.state, event, { set: { ...set, updated_at: Date.now() } });
    return row?.state as ArqState | undefined;
  }

  /**
   * Starts binding: reserves a fitting deployable (the named one, or the
   * best) and moves the ARQ to BindStarted in one transaction; Bound in the
   * same one when nothing needs preparing, else a durable task programs the
   * deployable and finishes. Returns that task's id, or null when Bound.
   */
  async bind(caller: Principal, uuid: string, target: BindTarget): Promise<string | null> {
    return this.db.transaction().execute(async (trx) => {
      const arq = await this.getArq(caller, uuid, trx);
      if (!arqMachine.can(arq.state, 'bind')) throw new BindError(`accelerator request ${uuid} is ${arq.state}: it cannot be bound (${arqMachine.sources('bind').join(', ')} can)`, { state: arq.state });
      const profile = await this.getProfile(arq.deviceProfileName, true, trx);
      const req = requirementOf(profile.groups, arq.deviceProfileGroupId, await groupIndex(trx, arq.uuid));
      const cands = await candidates(trx, req.resourceClass, this.opts.drivers);
      let chosen: Candidate | undefined;
      if (target.deviceRpUuid) {
        const row: any = await trx.selectFrom('accel_deployables').select('uuid').where('rp_uuid', '=', target.deviceRpUuid).executeTakeFirst();
        const c = row && cands.find((x) => x.uuid === row.uuid);
        if (!c) throw new InvalidInputError(`no deployable has resource provider ${target.deviceRpUuid}`);
        const why = unfit(c, req, target.hostname);
        if (why) throw new BindError(`deployable ${c.uuid} cannot serve accelerator request ${uuid}: ${why}`);
        chosen = c;
      } else {
        chosen = pick(cands, req, { hostname: target.hostname, sameAs: await pinned(trx, arq, req.selectors.filter((s) => s.op === 'same').map((s) => s.key), cands, target.instanceUuid) });
      }
      if (!chosen) throw new BindError(`accelerator request ${uuid}: ${explain(cands, req, target.hostname)}`);
      // the guarded reservation: never past num_accelerators * max_clients, whoever else binds now
      const reserved = await trx
        .updateTable('accel_deployables')
        .set((eb: any) => ({ used: eb('used', '+', 1), updated_at: Date.now() }))
        .where('uuid', '=', chosen.uuid)
        .where((eb: any) => eb('used', '<', eb('num_accelerators', '*', eb.ref('max_clients'))))
        .executeTakeFirst();
      if (Number(reserved.numUpdatedRows) !== 1) throw new BindError(`deployable ${chosen.uuid} was taken meanwhile (capacity ${capacity(chosen)}); try again`);
      const dep = await this.getDeployable(chosen.uuid, trx);
      const moved = await this.move(trx, arq, 'bind', {
        hostname: dep.hostname,
        device_rp_uuid: dep.rpUuid,
        instance_uuid: target.instanceUuid,
        instance_kind: target.instanceKind,
        deployable_uuid: dep.uuid,
        attach_handle_type: dep.attach.type,
        attach_handle_info: json(attachInfo(dep)),
        reason: null,
      });
      if (!moved) throw new BindError(`accelerator request ${uuid} changed state meanwhile; try again`);
      if (!req.bitstreamId || dep.bitstreamId === req.bitstreamId) {
        // nothing to prepare: Bound in the same transaction
        await this.move(trx, { ...arq, state: moved }, 'bound');
        return null;
      }
      const task = await this.tasks.enqueue({ kind: BIND_TASK, subject: uuid, payload: { arq: uuid }, maxAttempts: 3 }, trx as Transaction<any>);
      return task.id;
    }).then((id) => {
      if (id) this.tasks.wake();
      return id;
    });
  }

  /** The bind task: program where the profile names a bitstream the deployable lacks, then Bound (or released, if the instance is gone). */
  private async finishBind(uuid: string): Promise<unknown> {
    const r: any = await this.db.selectFrom('accel_arqs').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    if (!r || r.state !== 'BindStarted') return { skipped: r?.state ?? 'deleted' };
    const arq = toArq(r);
    if (arq.instanceKind && (await this.probe?.alive(arq.instanceKind, arq.instanceUuid!)) === false) {
      await this.release(uuid, 'unbind', `its ${arq.instanceKind} ${arq.instanceUuid} is gone`);
      return { released: true };
    }
    const profile = await this.getProfile(arq.deviceProfileName);
    const req = requirementOf(profile.groups, arq.deviceProfileGroupId, Number(r.group_index));
    const dep = await this.getDeployable(arq.deployableUuid!);
    if (req.bitstreamId && dep.bitstreamId !== req.bitstreamId) {
      const [image] = await this.images.list({ bitstreamId: req.bitstreamId });
      if (!image) throw new Error(`no image has bitstream_id ${req.bitstreamId}: upload one with that bitstream_id`);
      await this.programNow(dep.uuid, image.uuid);
    }
    const moved = await this.move(this.db, arq, 'bound');
    return { state: moved ?? 'changed meanwhile' };
  }

  private async failBind(uuid: string, error: string): Promise<void> {
    this.log.warn({ arq: uuid, error }, 'binding an accelerator request failed');
    await this.release(uuid, 'fail', error);
  }

  /** Frees an ARQ's reservation and moves it (unbind, fail or delete) in one transaction. */
  private async release(uuid: string, event: 'unbind' | 'fail' | 'delete', reason: string | null): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r: any = await trx.selectFrom('accel_arqs').selectAll().where('uuid', '=', uuid).executeTakeFirst();
      if (!r) return false;
      const arq = toArq(r);
      if (!arqMachine.can(arq.state, event)) return false;
      const moved = await this.move(trx, arq, event, {
        hostname: null,
        device_rp_uuid: null,
        instance_uuid: event === 'fail' ? arq.instanceUuid : null,
        instance_kind: event === 'fail' ? arq.instanceKind : null,
        deployable_uuid: null,
        attach_handle_type: null,
        attach_handle_info: null,
        reason: event === 'unbind' ? null : reason,
      });
      if (!moved) return false;
      if (HOLDS_DEVICE.includes(arq.state) && arq.deployableUuid)
        await trx.updateTable('accel_deployables').set((eb: any) => ({ used: eb('used', '-', 1), updated_at: Date.now() })).where('uuid', '=', arq.deployableUuid).where('used', '>', 0).execute();
      if (moved === 'Deleting') await trx.deleteFrom('accel_arqs').where('uuid', '=', uuid).execute();
      return true;
    });
  }

  async unbind(caller: Principal, uuid: string): Promise<void> {
    const arq = await this.getArq(caller, uuid);
    if (!arqMachine.can(arq.state, 'unbind')) throw new BindError(`accelerator request ${uuid} is ${arq.state}: it cannot be unbound (${arqMachine.sources('unbind').join(', ')} can)`, { state: arq.state });
    if (!(await this.release(uuid, 'unbind', null))) throw new BindError(`accelerator request ${uuid} changed state meanwhile; try again`);
  }

  /** Deletes ARQs by uuid, or every ARQ of an instance, releasing what they hold. */
  async deleteArqs(caller: Principal, which: { arqs?: string[]; instance?: string }): Promise<number> {
    const list = which.instance ? await this.listArqs(caller, { instance: which.instance }) : await Promise.all((which.arqs ?? []).map((u) => this.getArq(caller, u)));
    for (const a of list) {
      if (!arqMachine.can(a.state, 'delete')) throw new ConflictError(`accelerator request ${a.uuid} is ${a.state}: wait until its bind has finished, then delete it`, { state: a.state });
    }
    for (const a of list) await this.release(a.uuid, 'delete', 'deleted');
    return list.length;
  }

  /** The attachments of an instance's bound ARQs (what a sandbox is given). */
  async attachments(instanceUuid: string): Promise<Attachment[]> {
    const rows = await this.db.selectFrom('accel_arqs').select(['uuid', 'deployable_uuid']).where('instance_uuid', '=', instanceUuid).where('state', '=', 'Bound').execute();
    const out: Attachment[] = [];
    for (const r of rows as any[]) {
      const dep = await this.getDeployable(r.deployable_uuid);
      out.push({ arq: r.uuid, deployable: dep.uuid, deviceNodes: dep.attach.deviceNodes, pciAddress: dep.attach.pciAddress, env: dep.attach.env });
    }
    return out;
  }

  /** Releases bindings whose instance is gone (a sandbox removed or lost while the server was down). */
  async reconcile(): Promise<number> {
    if (!this.probe) return 0;
    const rows = await this.db.selectFrom('accel_arqs').select(['uuid', 'state', 'instance_uuid', 'instance_kind', 'owned_by_instance']).where('state', 'in', ['Initial', 'Bound', 'BindStarted']).where('instance_uuid', 'is not', null).execute();
    let n = 0;
    for (const r of rows as any[]) {
      if ((await this.probe.alive(r.instance_kind, r.instance_uuid)) !== false) continue;
      const owned = Number(r.owned_by_instance) === 1;
      // an owned request goes with its instance (a BindStarted one is first released, then deleted)
      const done = await this.release(r.uuid, owned && arqMachine.can(r.state, 'delete') ? 'delete' : 'unbind', `its ${r.instance_kind} ${r.instance_uuid} is gone`);
      if (done && owned && r.state === 'BindStarted') await this.release(r.uuid, 'delete', null);
      if (done) {
        n++;
        this.log.info({ arq: r.uuid, instance: r.instance_uuid }, 'released the accelerator of an instance that is gone');
      }
    }
    return n;
  }

  // ------------------------------------------------------------ programming

  /** Programs a deployable with an image as a durable task; resolves with the deployable once done. */
  async program(uuid: string, imageUuid: string, timeoutMs = 120_000): Promise<Deployable> {
    const dep = await this.getDeployable(uuid);
    const driver = this.driverOf(dep);
    if (!driver.program) throw new InvalidInputError(`deployable ${uuid} (driver ${dep.driverName}) cannot be programmed`);
    await this.images.get(imageUuid);
    const task = await this.tasks.enqueue({ kind: PROGRAM_TASK, subject: uuid, payload: { deployable: uuid, image: imageUuid }, maxAttempts: 1 });
    const done = await this.tasks.wait(task.id, timeoutMs);
    if (done.state !== 'succeeded') throw new ConflictError(`programming deployable ${uuid} failed: ${done.error ?? done.state}`);
    return this.getDeployable(uuid);
  }

  private driverOf(dep: Deployable): AccelDriver {
    const d = this.opts.drivers.find((x) => x.name === dep.driverName);
    if (!d) throw new ConflictError(`deployable ${dep.uuid} belongs to driver ${dep.driverName}, which this server does not run`);
    return d;
  }

  /** Verifies the image and loads it; a failure marks the deployable with the reason. */
  private async programNow(uuid: string, imageUuid: string): Promise<{ bitstreamId: string | null }> {
    const dep = await this.getDeployable(uuid);
    try {
      const { image, path } = await this.images.verified(imageUuid);
      await this.driverOf(dep).program!(dep, path, this.opts.env);
      await this.db.updateTable('accel_deployables').set({ bitstream_id: image.bitstreamId, fault: null, updated_at: Date.now() }).where('uuid', '=', uuid).execute();
      this.log.info({ deployable: uuid, image: imageUuid }, 'programmed');
      return { bitstreamId: image.bitstreamId };
    } catch (err) {
      const fault = `programming with image ${imageUuid} failed: ${(err as Error).message}`;
      await this.db.updateTable('accel_deployables').set({ fault, updated_at: Date.now() }).where('uuid', '=', uuid).execute();
      throw new Error(fault);
    }
  }

  // ------------------------------------------------------------ for sandboxes

  /**
   * Binds accelerators for a sandbox being created: each entry is a device
   * profile name (ARQs are made for it and deleted with the sandbox) or the
   * uuid of an existing ARQ of the caller's. Waits until all are Bound; on
   * any failure releases what it bound and throws.
   */
  async bindFor(caller: Principal, instanceUuid: string, entries: string[], timeoutMs = 120_000): Promise<Attachment[]> {
    try {
      for (const e of entries) {
        const arqs = /^[0-9a-f-]{36}$/.test(e) ? [await this.getArq(caller, e)] : await this.createArqs(caller, e, undefined, this.db, { instanceUuid, instanceKind: 'sandbox' });
        for (const a of arqs) {
          const taskId = await this.bind(caller, a.uuid, { instanceUuid, instanceKind: 'sandbox', hostname: this.opts.hostname });
          const t = taskId ? await this.tasks.wait(taskId, timeoutMs) : undefined;
          const now = await this.getArq(caller, a.uuid);
          if (now.state !== 'Bound') throw new BindError(`accelerator request ${a.uuid} did not bind: ${now.reason ?? t?.error ?? now.state}`);
        }
      }
      return await this.attachments(instanceUuid);
    } catch (err) {
      await this.releaseFor(instanceUuid).catch(() => undefined);
      throw err;
    }
  }

  /** Unbinds an instance's ARQs (deleting the ones made for it). */
  async releaseFor(instanceUuid: string): Promise<void> {
    const rows = await this.db.selectFrom('accel_arqs').select(['uuid', 'state', 'owned_by_instance']).where('instance_uuid', '=', instanceUuid).execute();
    for (const r of rows as any[]) {
      const owned = Number(r.owned_by_instance) === 1;
      if (owned && arqMachine.can(r.state, 'delete')) await this.release(r.uuid, 'delete', null);
      else if (arqMachine.can(r.state, 'unbind')) {
        await this.release(r.uuid, 'unbind', null);
        if (owned) await this.release(r.uuid, 'delete', null);
      }
    }
  }

  /** Who holds what: per deployable, its capacity and the requests on it. */
  async allocations(): Promise<{ deployable: Deployable; holders: { arq: string; instance: string | null; kind: string | null; state: string }[] }[]> {
    const deps = await this.listDeployables();
    const arqs = (await this.db.selectFrom('accel_arqs').selectAll().where('deployable_uuid', 'is not', null).execute()).map(toArq);
    return deps.map((d) => ({
      deployable: d,
      holders: arqs.filter((a) => a.deployableUuid === d.uuid).map((a) => ({ arq: a.uuid, instance: a.instanceUuid, kind: a.instanceKind, state: a.state })),
    }));
  }
}
