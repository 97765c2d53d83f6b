/**
 * Which deployable serves a requirement (pure): the inventory of each
 * deployable (resource class, capacity = accelerators × clients, used,
 * traits, attributes) against what a profile group asks. `explain` says,
 * for an ARQ that fits nowhere, why each candidate was refused.
 */
import { describeSelector, selects } from './selectors.js';
import type { Requirement } from './profiles.js';

export interface Candidate {
  uuid: string;
  hostname: string;
  resourceClass: string;
  traits: string[];
  attributes: Record<string, string>;
  numAccelerators: number;
  maxClients: number;
  used: number;
  bitstreamId: string | null;
  /** the device is enabled and present, and the deployable has no fault */
  usable: boolean;
  /** it can be programmed (an FPGA region), so a bitstream need not be loaded already */
  programmable: boolean;
}

export const capacity = (c: Pick<Candidate, 'numAccelerators' | 'maxClients'>) => c.numAccelerators * Math.max(1, c.maxClients);

/** Why a candidate cannot serve the requirement, or null when it can. */
export function unfit(c: Candidate, req: Requirement, hostname?: string): string | null {
  if (!c.usable) return 'disabled, missing or faulted';
  if (hostname && c.hostname !== hostname) return `on host ${c.hostname}, not ${hostname}`;
  if (c.resourceClass !== req.resourceClass) return `resource class ${c.resourceClass}, not ${req.resourceClass}`;
  if (c.used >= capacity(c)) return `full (${c.used} of ${capacity(c)} in use)`;
  const missing = req.requiredTraits.find((t) => !c.traits.includes(t));
  if (missing) return `lacks trait ${missing}`;
  const forbidden = req.forbiddenTraits.find((t) => c.traits.includes(t));
  if (forbidden) return `has forbidden trait ${forbidden}`;
  if (req.bitstreamId && !c.programmable && c.bitstreamId !== req.bitstreamId) return `runs bitstream ${c.bitstreamId ?? 'none'} and cannot be programmed`;
  if (req.functionId && c.attributes.function_id !== req.functionId) return `provides function ${c.attributes.function_id ?? 'none'}, not ${req.functionId}`;
  const sel = req.selectors.find((s) => !selects(s, c.attributes));
  if (sel) return `does not satisfy ${describeSelector(sel)}`;
  return null;
}

/**
 * The best fitting candidate: one already running the asked-for bitstream
 * first (no programming), then the one with the most room left (spreads
 * time-sliced clients), then by uuid so the choice is deterministic.
 * `sameAs` pins `attr:K=same` keys to values chosen for a sibling ARQ.
 */
export function pick(cands: readonly Candidate[], req: Requirement, opts: { hostname?: string; sameAs?: Record<string, string> } = {}): Candidate | undefined {
  let best: Candidate | undefined;
  let bestKey: [number, number, string] | undefined;
  for (const c of cands) {
    if (unfit(c, req, opts.hostname) !== null) continue;
    if (opts.sameAs && Object.entries(opts.sameAs).some(([k, v]) => c.attributes[k] !== v)) continue;
    const key: [number, number, string] = [req.bitstreamId && c.bitstreamId === req.bitstreamId ? 0 : 1, -(capacity(c) - c.used), c.uuid];
    if (!bestKey || key[0] < bestKey[0] || (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] < bestKey[2])))) {
      best = c;
      bestKey = key;
    }
  }
  return best;
}

/** One line per candidate saying why it was refused (for the BindFailed reason). */
export function explain(cands: readonly Candidate[], req: Requirement, hostname?: string): string {
  if (!cands.length) return 'no deployables are known';
  const reasons = cands.slice(0, 8).map((c) => `${c.uuid}: ${unfit(c, req, hostname) ?? 'fits'}`);
  return `no deployable fits ${req.resourceClass}: ${reasons.join('; ')}${cands.length > 8 ? `; and ${cands.length - 8} more` : ''}`;
}
