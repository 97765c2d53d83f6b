/**
 * Reading driver_info values the way Ironic does (oslo's bool_from_string,
 * validate_network_port), with errors that name the node and the key.
 */
import { invalidParameter, missingParameter } from './errors.js';
import type { DriverNode, PropertySpec } from './types.js';

const TRUE = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

export function nodeLabel(node: DriverNode): string {
  return node.name ? `${node.uuid} (${node.name})` : node.uuid;
}

/** The keys of `specs` marked required that driver_info lacks or leaves empty. */
export function checkRequired(node: DriverNode, specs: Record<string, PropertySpec>): void {
  const missing = Object.entries(specs)
    .filter(([key, spec]) => spec.required && isEmpty(node.driver_info[key]))
    .map(([key]) => key);
  if (missing.length) throw missingParameter(nodeLabel(node), missing);
}

export function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

export function optionalString(node: DriverNode, key: string): string | undefined {
  const v = node.driver_info[key];
  if (isEmpty(v)) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw invalidParameter(nodeLabel(node), key, `expected a string, got ${typeof v}`);
}

export function requiredString(node: DriverNode, key: string): string {
  const v = optionalString(node, key);
  if (v === undefined) throw missingParameter(nodeLabel(node), [key]);
  return v;
}

/** Booleans as Ironic accepts them: true/false or strings such as "yes", "off", "1". */
export function optionalBool(node: DriverNode, key: string, fallback: boolean): boolean {
  const v = node.driver_info[key];
  if (isEmpty(v)) return fallback;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw invalidParameter(nodeLabel(node), key, `"${String(v)}" is not a boolean`);
}

/** A TCP/UDP port: an integer 1–65535, as a number or a numeric string. */
export function optionalPort(node: DriverNode, key: string): number | undefined {
  const v = node.driver_info[key];
  if (isEmpty(v)) return undefined;
  const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw invalidParameter(nodeLabel(node), key, `"${String(v)}" is not a valid port (1-65535)`);
  }
  return n;
}

export function optionalInt(node: DriverNode, key: string): number | undefined {
  const v = node.driver_info[key];
  if (isEmpty(v)) return undefined;
  const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(String(v)) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw invalidParameter(nodeLabel(node), key, `"${String(v)}" is not an integer`);
  return n;
}

export function oneOf<T extends string>(node: DriverNode, key: string, allowed: readonly T[], fallback: T): T {
  const v = optionalString(node, key);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw invalidParameter(nodeLabel(node), key, `"${v}" is not one of ${allowed.join(', ')}`);
  }
  return v as T;
}
