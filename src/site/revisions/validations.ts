/**
 * A revision's validation results against its ValidationPolicies, as
 * Deckhand reports them (deckhand/db/sqlalchemy/api.py validation_get_all
 * and _check_validation_entries_against_validation_policies): a validation
 * a policy expects but nobody posted is a `failure`; one posted that no
 * policy expects is `ignored [<its status>]`. Without any policy every
 * result counts as posted.
 */
import type { JsonValue } from '../documents/index.js';
import type { StoredDocument, ValidationEntry } from './model.js';

export interface Policy {
  schema: string;
  layer: string;
  name: string;
  validations: string[];
}

export function policiesOf(documents: readonly StoredDocument[]): Policy[] {
  return documents
    .filter((d) => !d.deleted && d.schema.startsWith('deckhand/ValidationPolicy'))
    .map((d) => {
      const list = (d.data as { validations?: unknown } | null)?.validations;
      const names = Array.isArray(list) ? list.map((v) => (v && typeof v === 'object' ? String((v as { name?: unknown }).name) : '')) : [];
      return { schema: d.schema, layer: d.layer, name: d.name, validations: names.filter(Boolean) };
    });
}

/** One status per validation name: `failure` if any entry failed (the least status alphabetically, as Deckhand's SQL picks it). */
export function validationStatuses(entries: readonly ValidationEntry[], policies: readonly Policy[]): { name: string; status: string }[] {
  const byName = new Map<string, string>();
  for (const e of entries) {
    const prev = byName.get(e.name);
    if (prev === undefined || e.status < prev) byName.set(e.name, e.status);
  }
  const result = new Map([...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  if (policies.length === 0) return [...result].map(([name, status]) => ({ name, status }));
  const expected = new Set(policies.flatMap((p) => p.validations));
  for (const name of [...expected].sort()) if (!result.has(name)) result.set(name, 'failure');
  for (const [name, status] of result) if (!expected.has(name) && byName.has(name)) result.set(name, `ignored [${status}]`);
  return [...result].map(([name, status]) => ({ name, status }));
}

export interface CheckedEntry {
  name: string;
  status: string;
  createdAt: number | null;
  errors: JsonValue[];
}

const NEVER_POSTED = 'The result for this validation was never externally registered so its status defaulted to "failure".';

/** Entries (of one name, or all) with the policies applied, oldest first; their position is their id. */
export function checkedEntries(entries: readonly ValidationEntry[], policies: readonly Policy[], name?: string): CheckedEntry[] {
  const result: CheckedEntry[] = entries.map((e) => ({ name: e.name, status: e.status, createdAt: e.createdAt, errors: [...e.errors] }));
  if (policies.length === 0) return result;
  const expected = new Set(policies.flatMap((p) => p.validations));
  const posted = new Set(entries.map((e) => e.name));
  const missing = [...expected].filter((n) => !posted.has(n) && (name === undefined || n === name)).sort();
  if (missing.length > 0) result.push({ name: missing[0], status: 'failure', createdAt: null, errors: [{ message: NEVER_POSTED }] });
  for (const entry of result) {
    if (expected.has(entry.name) || !posted.has(entry.name)) continue;
    entry.status = `ignored [${entry.status}]`;
    for (const p of policies) {
      entry.errors.push({
        message:
          'The result for this validation was externally registered but has been ignored because it is not found in the ' +
          `validations for ValidationPolicy [${p.schema}, ${p.layer}] ${p.name}: ${p.validations.join(', ')}.`,
      });
    }
  }
  return result;
}
