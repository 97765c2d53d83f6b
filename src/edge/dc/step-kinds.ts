/**
 * What a strategy's step does on one subcloud, per strategy type. `prepare`
 * checks and completes the strategy's extra-args when it is created;
 * `apply` runs on one subcloud and must be idempotent: after a controller
 * crash the step runs again from the start.
 */
import { InvalidInputError, type Services } from '../../core/index.js';
import { fleetRevision } from './fleet-site.js';
import { peer } from './peer.js';
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

export function stepKinds(services: Services, timeoutMs: number): Partial<Record<StrategyType, StepKind>> {
  return { 'site-revision': siteRevisionKind(services, timeoutMs) };
}
