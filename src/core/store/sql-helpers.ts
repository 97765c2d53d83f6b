/** Small helpers that keep SQL portable between SQLite and PostgreSQL. */

export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}

/** True for a unique-constraint violation in either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Narrows a query to rows whose columns hold these values (null: IS NULL, as `= NULL` matches nothing). */
export function whereEquals<Q extends { where: (...a: any[]) => Q }>(q: Q, values: Record<string, unknown>): Q {
  for (const [c, v] of Object.entries(values)) q = v === null ? q.where(c, 'is', null) : q.where(c, '=', v);
  return q;
}
