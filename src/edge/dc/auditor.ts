/**
 * The system controller's audit loop (dcmanager's subcloud audit): every
 * period, each subcloud is asked for its version, alarm summary and sync
 * digests, a bounded number at a time; what changed is recorded, alarms
 * follow (audit-step.ts), and a managed subcloud found out of sync gets a
 * durable sync task. A sync task is named by the subcloud and both digests,
 * so one drift queues one task however many audits see it (the same drift
 * coming back after its task ended gets a new one), and a task left by a
 * dead controller is resumed by the next.
 */
import { isUniqueViolation, RetryTaskError, type FaultReporter, type Logger, type Services, type TaskRunner, type TokenService } from '../../core/index.js';
import { auditStep, syncEntity, type AuditAnswer } from './audit-step.js';
import { peer, PeerError } from './peer.js';
import type { Subclouds } from './subclouds.js';
import { identityDigest, imagesDigest, type EndpointType } from './sync-digest.js';
import { controllerImages, encodeMeta, imageBody } from './fleet-images.js';
import { documentsDigest, fleetRevision } from './fleet-site.js';

export const SYNC_TASK = 'edge.sync';

export interface AuditorOptions {
  intervalMs: number;
  /** Subclouds audited at once. */
  concurrency: number;
  /** Deadline of one audit call. */
  timeoutMs: number;
}

export interface CycleReport {
  audited: number;
  online: number;
  offline: number;
  syncsQueued: number;
  ms: number;
}

export class Auditor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<CycleReport> | undefined;
  private stopped = true;
  last: CycleReport | undefined;

  constructor(
    private readonly deps: { subclouds: Subclouds; tokens: TokenService; tasks: TaskRunner; faults: FaultReporter; log: Logger; services?: Services },
    readonly opts: AuditorOptions,
  ) {
    deps.tasks.register<{ subcloud: number; type: EndpointType }>(SYNC_TASK, { run: ({ task }) => this.sync(task.payload.subcloud, task.payload.type) });
  }

  start(): void {
    this.stopped = false;
    const tick = async () => {
      const started = Date.now();
      await this.cycle().catch((err) => this.deps.log.error({ err }, 'subcloud audit failed'));
      if (this.stopped) return;
      this.timer = setTimeout(tick, Math.max(0, this.opts.intervalMs - (Date.now() - started)));
      this.timer.unref();
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One audit of every subcloud (a cycle already running is joined, not doubled). */
  cycle(): Promise<CycleReport> {
    this.running ??= this.runCycle().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runCycle(): Promise<CycleReport> {
    const t0 = Date.now();
    const controller = await this.digests();
    const all = await this.deps.subclouds.list();
    const report: CycleReport = { audited: 0, online: 0, offline: 0, syncsQueued: 0, ms: 0 };
    let next = 0;
    const worker = async () => {
      while (next < all.length && !this.stopped) {
        const s = all[next++]!;
        let answer: AuditAnswer;
        try {
          const r = await peer.audit(s.endpoint, this.deps.subclouds.token(s), this.opts.timeoutMs);
          answer = { ok: true, version: String(r.version), alarms: r.alarms ?? null, digests: r.digests ?? {} };
        } catch (err) {
          answer = { ok: false, error: err instanceof PeerError ? err.message : String((err as Error).message) };
        }
        const out = auditStep(s, answer, controller);
        await this.deps.subclouds.recordAudit(s, out.next, Date.now());
        for (const a of out.alarms) {
          if (a.op === 'raise') await this.deps.faults.raise({ alarmId: a.alarmId, entityInstanceId: a.entityInstanceId, reasonText: a.reasonText });
          else await this.deps.faults.clear(a.alarmId, a.entityInstanceId);
        }
        for (const type of out.sync) if (await this.queueSync(s.id, type, controller[type]!, answer.ok ? answer.digests[type] : undefined)) report.syncsQueued++;
        report.audited++;
        if (out.next.availability === 'online') report.online++;
        else report.offline++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.opts.concurrency, all.length)) }, worker));
    report.ms = Date.now() - t0;
    this.last = report;
    if (report.audited) this.deps.log.debug(report, 'subcloud audit cycle');
    return report;
  }

  private async queueSync(subcloud: number, type: EndpointType, ours: string, theirs: string | undefined): Promise<boolean> {
    const base = `edge-sync-${subcloud}-${type}-${ours.slice(0, 16)}-${(theirs ?? 'none').slice(0, 16)}`;
    const task = { kind: SYNC_TASK, subject: String(subcloud), payload: { subcloud, type }, maxAttempts: 10 };
    try {
      await this.deps.tasks.enqueue({ id: base, ...task });
      return true;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    // This drift had its task. Still open: nothing to add. Finished: the same drift came back (a copy deleted again), so it gets another.
    const open = async (state: string) => (await this.deps.tasks.tasks.list({ kind: SYNC_TASK, subject: String(subcloud), state })).some((t) => (t.payload as { type: string }).type === type);
    if ((await open('pending')) || (await open('running'))) return false;
    await this.deps.tasks.enqueue({ id: `${base}-${Date.now().toString(36)}`, ...task });
    return true;
  }

  /** The controller's digest per endpoint type it serves: `platform` only where its site module is loaded. */
  private async digests(): Promise<Partial<Record<EndpointType, string>>> {
    const out: Partial<Record<EndpointType, string>> = { identity: identityDigest(await this.deps.tokens.exportHashed()) };
    if (this.deps.services?.maybe('site')) out.platform = (await fleetRevision(this.deps.services))?.digest ?? documentsDigest([]);
    const images = this.deps.services && (await controllerImages(this.deps.services));
    if (images) out.images = imagesDigest(images);
    return out;
  }

  /** The sync task: idempotent (the subcloud's copy is replaced whole), never for an unmanaged subcloud. */
  private async sync(id: number, type: EndpointType): Promise<unknown> {
    const s = await this.deps.subclouds.get(String(id)).catch(() => undefined);
    if (!s) return { skipped: 'the subcloud was deleted' };
    if (s.management !== 'managed') return { skipped: `${s.name} is unmanaged` };
    const timeout = Math.max(this.opts.timeoutMs, 10_000);
    let ours: string;
    let theirs: string | undefined;
    let what: Record<string, unknown>;
    try {
      if (type === 'identity') {
        const rows = await this.deps.tokens.exportHashed();
        ours = identityDigest(rows);
        theirs = (await peer.syncIdentity(s.endpoint, this.deps.subclouds.token(s), rows, timeout)).digests.identity;
        what = { tokens: rows.length };
      } else if (type === 'images') {
        const mine = (await controllerImages(this.deps.services!)) ?? [];
        ours = imagesDigest(mine);
        const token = this.deps.subclouds.token(s);
        const { held } = await peer.syncImages(s.endpoint, token, mine.map((i) => i.uuid), timeout);
        let copied = 0;
        for (const i of mine) {
          if (held[i.uuid] === i.sha256) continue;
          // Big bitstreams take their time: a minute per copy at the least.
          await peer.putImage(s.endpoint, token, i.uuid, encodeMeta(i), imageBody(this.deps.services!, i.uuid), Math.max(timeout, 60_000));
          copied++;
        }
        theirs = (await peer.syncImages(s.endpoint, token, mine.map((i) => i.uuid), timeout)).digests.images;
        what = { images: mine.length, copied };
      } else {
        const rev = this.deps.services ? await fleetRevision(this.deps.services) : null;
        ours = rev?.digest ?? documentsDigest([]);
        const body = { controller_revision: rev?.id ?? 0, mode: 'store' as const, documents: rev?.documents ?? [] };
        theirs = (await peer.applySiteRevision(s.endpoint, this.deps.subclouds.token(s), body, timeout)).digests.platform;
        what = { revision: rev?.id ?? null, documents: body.documents.length };
      }
    } catch (err) {
      if (err instanceof PeerError && err.transient) throw new RetryTaskError(err.message, 2000);
      throw err;
    }
    const inSync = theirs === ours;
    await this.deps.subclouds.setSync(id, type, inSync ? 'in-sync' : 'out-of-sync');
    if (inSync) await this.deps.faults.clear('280.002', syncEntity(s.name, type));
    this.deps.log.info({ subcloud: s.name, type, ...what, inSync }, 'subcloud synced');
    return { subcloud: s.name, type, ...what, inSync };
  }
}
