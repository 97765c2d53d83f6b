/**
 * Device profiles: Cyborg's `groups` (each a map of `resources:RC=N`,
 * `trait:CUSTOM_X=required|forbidden`, `accel:bitstream_id` or
 * `accel:function_id`), plus Strata's `attr:KEY=SELECTOR`. Validation with
 * Cyborg's rules, and the fan-out of a profile into ARQs: one per
 * accelerator asked for, in every group (N groups × M accelerators). Pure.
 */
import { InvalidInputError } from '../core/index.js';
import { parseSelector, type Selector } from './selectors.js';
import type { ProfileGroup } from './model.js';

/** The resource classes Cyborg reports (and CUSTOM_* ones). */
export const STANDARD_RESOURCE_CLASSES = ['FPGA', 'PGPU', 'VGPU'] as const;
const CUSTOM = /^CUSTOM_[A-Z0-9_]+$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const MAX_GROUPS = 16;
const MAX_PER_RESOURCE = 64;

/** What one group asks of a deployable. */
export interface Requirement {
  resourceClass: string;
  requiredTraits: string[];
  forbiddenTraits: string[];
  bitstreamId?: string;
  functionId?: string;
  selectors: Selector[];
}

function bad(group: number, message: string): InvalidInputError {
  return new InvalidInputError(`device profile groups[${group}]: ${message}`, { group });
}

/** Checks one group; returns the requirement per accelerator it asks for (so its length is the ARQ count). */
export function parseGroup(group: unknown, index: number): Requirement[] {
  if (typeof group !== 'object' || group === null || Array.isArray(group)) throw bad(index, 'must be an object of string keys and values');
  const resources: { rc: string; amount: number }[] = [];
  const base: Omit<Requirement, 'resourceClass'> = { requiredTraits: [], forbiddenTraits: [], selectors: [] };
  for (const [key, raw] of Object.entries(group)) {
    if (typeof raw !== 'string') throw bad(index, `the value of "${key}" must be a string`);
    const value = raw.trim();
    const colon = key.indexOf(':');
    const prefix = colon < 0 ? key : key.slice(0, colon);
    const name = colon < 0 ? '' : key.slice(colon + 1);
    switch (prefix) {
      case 'resources': {
        if (!(STANDARD_RESOURCE_CLASSES as readonly string[]).includes(name) && !CUSTOM.test(name))
          throw bad(index, `unsupported resource class "${name}" in "${key}" (use ${STANDARD_RESOURCE_CLASSES.join(', ')} or CUSTOM_*)`);
        const amount = Number(value);
        if (!/^\d+$/.test(value) || amount < 1 || amount > MAX_PER_RESOURCE)
          throw bad(index, `"${key}" must be a whole number from 1 to ${MAX_PER_RESOURCE}, not "${raw}"`);
        resources.push({ rc: name, amount });
        break;
      }
      case 'trait': {
        if (!CUSTOM.test(name)) throw bad(index, `unsupported trait name format "${name}" in "${key}": traits must be CUSTOM_ followed by A-Z, 0-9 or _`);
        if (value === 'required') base.requiredTraits.push(name);
        else if (value === 'forbidden') base.forbiddenTraits.push(name);
        else throw bad(index, `"${key}" must be "required" or "forbidden", not "${raw}"`);
        break;
      }
      case 'accel': {
        if (name === 'bitstream_id') base.bitstreamId = value;
        else if (name === 'function_id') base.functionId = value;
        else throw bad(index, `unsupported key "${key}" (accel: keys are accel:bitstream_id and accel:function_id)`);
        if (!value) throw bad(index, `"${key}" may not be empty`);
        break;
      }
      case 'attr': {
        try {
          base.selectors.push(parseSelector(name, value));
        } catch (e) {
          throw bad(index, (e as Error).message);
        }
        break;
      }
      default:
        throw bad(index, `unsupported key "${key}" (keys begin with resources:, trait:, accel: or attr:)`);
    }
  }
  if (base.bitstreamId && base.functionId) throw bad(index, 'give accel:bitstream_id or accel:function_id, not both');
  if (!resources.length) throw bad(index, 'asks for no resources: add a resources:RC=N key');
  const both = base.requiredTraits.filter((t) => base.forbiddenTraits.includes(t));
  if (both.length) throw bad(index, `trait ${both[0]} is both required and forbidden`);
  return resources.flatMap(({ rc, amount }) => Array.from({ length: amount }, () => ({ ...base, resourceClass: rc })));
}

/** Validates a device profile as Cyborg's POST does; returns its groups normalized and their requirements. */
export function validateProfile(body: unknown): { name: string; description: string | null; groups: ProfileGroup[]; requirements: Requirement[][] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidInputError('a device profile must be an object with name and groups');
  const { name, groups, description, uuid, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new InvalidInputError(`device profile: unknown field "${unknown[0]}" (known: name, description, groups)`);
  void uuid;
  if (typeof name !== 'string' || !NAME.test(name)) throw new InvalidInputError('device profile name must be 1–255 letters, digits, ".", "_" or "-", beginning with a letter or digit');
  if (description !== undefined && description !== null && (typeof description !== 'string' || description.length > 1024)) throw new InvalidInputError('device profile description must be a string of at most 1024 characters');
  if (!Array.isArray(groups) || groups.length === 0) throw new InvalidInputError('device profile groups must be a non-empty list');
  if (groups.length > MAX_GROUPS) throw new InvalidInputError(`device profile has ${groups.length} groups; at most ${MAX_GROUPS} are allowed`);
  const requirements = groups.map((g, i) => parseGroup(g, i));
  return { name, description: (description as string | undefined) ?? null, groups: groups as ProfileGroup[], requirements };
}

/** The ARQs a profile yields: one per accelerator per group, each with its group index. */
export function arqsFor(groups: ProfileGroup[]): { groupId: number; requirement: Requirement }[] {
  return groups.flatMap((g, groupId) => parseGroup(g, groupId).map((requirement) => ({ groupId, requirement })));
}

/** The requirement of the ARQ at `index` among those of group `groupId`. */
export function requirementOf(groups: ProfileGroup[], groupId: number, index = 0): Requirement {
  const group = groups[groupId];
  if (!group) throw new InvalidInputError(`the device profile has no group ${groupId}`);
  const reqs = parseGroup(group, groupId);
  return reqs[Math.min(index, reqs.length - 1)]!;
}
