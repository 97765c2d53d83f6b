/**
 * Attribute selectors in a device profile group (Strata's extension, what
 * DRA users write): `attr:memory` = `>=40Gi`, `attr:model` = `in(H100,H200)`,
 * `attr:numa_node` = `same` (all devices of one request on one NUMA node).
 * Parsing reports what is wrong; matching is pure over a deployable's
 * attributes.
 */
import { parseQuantity } from './quantity.js';

export type Selector =
  | { key: string; op: '>=' | '<=' | '>' | '<' | '=' | '!='; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'same' };

const ATTR_KEY = /^[a-z][a-z0-9_.-]*$/;

/** Parses the value of an `attr:KEY` profile key; throws a message naming the problem. */
export function parseSelector(key: string, value: string): Selector {
  if (!ATTR_KEY.test(key)) throw new Error(`attribute name "${key}" must be lower-case letters, digits, "_", "." or "-"`);
  const v = value.trim();
  if (v === 'same') return { key, op: 'same' };
  const set = /^(in|notin)\s*\((.*)\)$/.exec(v);
  if (set) {
    const values = set[2]!.split(',').map((s) => s.trim()).filter(Boolean);
    if (!values.length) throw new Error(`attr:${key}: ${set[1]}() needs at least one value`);
    return { key, op: set[1] as 'in' | 'notin', values };
  }
  const cmp = /^(>=|<=|!=|>|<|=)?\s*(.+)$/.exec(v);
  if (!cmp) throw new Error(`attr:${key}: empty selector`);
  const op = (cmp[1] ?? '=') as '>=' | '<=' | '>' | '<' | '=' | '!=';
  if (['>=', '<=', '>', '<'].includes(op) && parseQuantity(cmp[2]!) === undefined)
    throw new Error(`attr:${key}: "${cmp[2]}" is not a number or quantity (such as 40Gi) to compare with ${op}`);
  return { key, op, value: cmp[2]! };
}

function compare(actual: string, op: string, wanted: string): boolean {
  const a = parseQuantity(actual);
  const w = parseQuantity(wanted);
  if (op === '=' || op === '!=') {
    const eq = a !== undefined && w !== undefined ? a === w : actual.toLowerCase() === wanted.toLowerCase();
    return op === '=' ? eq : !eq;
  }
  if (a === undefined || w === undefined) return false;
  return op === '>=' ? a >= w : op === '<=' ? a <= w : op === '>' ? a > w : a < w;
}

/** Whether one deployable's attributes satisfy a selector (`same` is checked across a request, not here). */
export function selects(sel: Selector, attributes: Record<string, string>): boolean {
  if (sel.op === 'same') return sel.key in attributes;
  const actual = attributes[sel.key];
  if (actual === undefined) return sel.op === 'notin' || sel.op === '!=';
  if (sel.op === 'in' || sel.op === 'notin') return sel.values.some((v) => v.toLowerCase() === actual.toLowerCase()) === (sel.op === 'in');
  return compare(actual, sel.op, (sel as { value: string }).value);
}

export function describeSelector(sel: Selector): string {
  if (sel.op === 'same') return `${sel.key} the same for all`;
  if (sel.op === 'in' || sel.op === 'notin') return `${sel.key} ${sel.op} (${sel.values.join(', ')})`;
  return `${sel.key} ${sel.op} ${(sel as { value: string }).value}`;
}
