/**
 * What a strategy's step does on one subcloud, per strategy type. `prepare`
 * checks and completes the strategy's extra-args when it is created;
 * `apply` runs on one subcloud and must be idempotent: after a controller
 * crash the step runs again from the start.
 */
import { InvalidInputError, type Services } from '../../core/index.js';
import { fleetRevision } from './fleet-site.js';
import { isAbsolute } from 'node:path';
import { peer, PeerError } from './peer.js';
import type { StrategyType } from './strategies.js';

export interface StepTarget {
  name: string;
  endpoint: string;
  token: string;
}

export interface StepKind {
  prepare(extraArgs: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Resolves with the step's details; throws PeerError (transient or a refusal) or another error. */
  apply(target: StepTarget, extraArgs: Record<string, unknown>, signal: AbortSignal): Promise<string>;
}

/** A site document revision of the controller, tagged `fleet`, applied on each subcloud. */
export function siteRevisionKind(services: Services, timeoutMs: number): StepKind {
  return {
    async prepare(args) {
      const unknown = Object.keys(args).filter((k) => k !== 'revision');
      if (unknown.length) throw new InvalidInputError(`extra-args of a site-revision strategy take only "revision" (got ${unknown.join(', ')})`);
      if (args.revision !== undefined && !(Number.isInteger(args.revision) && (args.revision as number) > 0)) throw new InvalidInputError('extra-args.revision must be a revision id (a positive integer)');
      const rev = await fleetRevision(services, args.revision as number | undefined);
      if (!rev) throw new InvalidInputError('no site revision is tagged "fleet" on the system controller: tag one, or give extra-args.revision');
      return { revision: rev.id };
    },
    async apply(target, args) {
      const rev = await fleetRevision(services, Number(args.revision));
      if (!rev) throw new InvalidInputError(`revision ${String(args.revision)} is gone from the system controller`);
      const out = await peer.applySiteRevision(target.endpoint, target.token, { controller_revision: rev.id, mode: 'apply', documents: rev.documents }, timeoutMs);
      return `revision ${rev.id} applied as revision ${out.revision} of ${target.name}${out.created ? '' : ' (already there)'}`;
    },
  };
}

/**
 * A release (a build of this repository installed on the subcloud at
 * extra-args.release): the subcloud hands its server over to it, and the
 * step ends when the subcloud answers from that release. Idempotent: a
 * subcloud already on it is done at once.
 */
export function releaseKind(timeoutMs: number, handoverMs = 180_000): StepKind {
  return {
    async prepare(args) {
      const unknown = Object.keys(args).filter((k) => k !== 'release');
      if (unknown.length) throw new InvalidInputError(`extra-args of a release strategy take only "release" (got ${unknown.join(', ')})`);
      if (typeof args.release !== 'string' || !isAbsolute(args.release)) throw new InvalidInputError('extra-args.release must be the absolute directory of the release on the subcloud');
      return { release: args.release.replace(/\/+$/, '') };
    },
    async apply(target, args, signal) {
      const release = String(args.release);
      const now = await peer.audit(target.endpoint, target.token, timeoutMs);
      if (now.release === release) return `${target.name} runs release ${release}`;
      await peer.startRelease(target.endpoint, target.token, release, timeoutMs);
      // The subcloud does not answer while one server gives way to the other: wait for the new one.
      const deadline = Date.now() + handoverMs;
      for (;;) {
        if (signal.aborted) throw new PeerError(`${target.name}: the step was stopped during the handover`);
        await new Promise((r) => setTimeout(r, 500));
        const r = await peer.audit(target.endpoint, target.token, Math.min(timeoutMs, 5000)).catch(() => undefined);
        if (r?.release === release) return `${target.name} handed over from ${now.release ?? 'its release'} to ${release}`;
        if (Date.now() > deadline) throw new PeerError(`${target.name} does not answer from release ${release} ${handoverMs / 1000} s after the handover began`);
      }
    },
  };
}

export function stepKinds(services: Services, timeoutMs: number): Partial<Record<StrategyType, StepKind>> {
  return { 'site-revision': siteRevisionKind(services, timeoutMs), release: releaseKind(timeoutMs) };
}
