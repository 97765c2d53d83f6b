// Timer trigger times: Zuul's `time: 'MIN HOUR DAY MONTH DOW [SECOND [JITTER]]'`,
// evaluated as APScheduler's CronTrigger does (every field must match; days
// of the week count from Monday = 0; times in UTC).

export interface CronField {
  /** The expression as written. */
  expr: string;
  /** Accepted values, sorted. */
  values: number[];
}

export interface CronSpec {
  minute: CronField;
  hour: CronField;
  day: CronField;
  month: CronField;
  dayOfWeek: CronField;
  second: CronField;
  /** Seconds of random delay Zuul adds to each firing, if given. */
  jitter?: number;
}

export class CronSyntaxError extends Error {}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function parseValue(token: string, min: number, max: number, names?: string[], nameBase = 0): number {
  const lower = token.toLowerCase();
  if (names) {
    const i = names.indexOf(lower);
    if (i !== -1) return i + nameBase;
  }
  if (!/^\d+$/.test(token)) throw new CronSyntaxError(`invalid value "${token}"`);
  const n = Number(token);
  if (n < min || n > max) throw new CronSyntaxError(`value ${n} out of range ${min}-${max}`);
  return n;
}

function parseField(expr: string, what: string, min: number, max: number, names?: string[], nameBase = 0): CronField {
  const values = new Set<number>();
  for (const part of expr.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new CronSyntaxError(`invalid ${what} expression "${expr}"`);
    const step = m[2] !== undefined ? Number(m[2]) : 1;
    if (step < 1) throw new CronSyntaxError(`invalid step in ${what} expression "${expr}"`);
    let lo: number;
    let hi: number;
    if (m[1] === '*') {
      lo = min;
      hi = max;
    } else if (m[1].includes('-')) {
      const [a, b] = m[1].split('-');
      try {
        lo = parseValue(a, min, max, names, nameBase);
        hi = parseValue(b, min, max, names, nameBase);
      } catch (err) {
        throw new CronSyntaxError(`${(err as Error).message} in ${what} expression "${expr}"`);
      }
      if (hi < lo) throw new CronSyntaxError(`invalid range in ${what} expression "${expr}"`);
    } else {
      try {
        lo = parseValue(m[1], min, max, names, nameBase);
      } catch (err) {
        throw new CronSyntaxError(`${(err as Error).message} in ${what} expression "${expr}"`);
      }
      hi = m[2] !== undefined ? max : lo;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { expr, values: [...values].sort((a, b) => a - b) };
}

/** Parses a Zuul timer `time` value; throws CronSyntaxError. */
export function parseCron(time: string): CronSpec {
  const parts = time.trim().split(/\s+/);
  if (parts.length < 5 || parts.length > 7) {
    throw new CronSyntaxError(`time "${time}" must have 5 to 7 fields (minute hour day month day-of-week [second [jitter]])`);
  }
  const spec: CronSpec = {
    minute: parseField(parts[0], 'minute', 0, 59),
    hour: parseField(parts[1], 'hour', 0, 23),
    day: parseField(parts[2], 'day', 1, 31),
    month: parseField(parts[3], 'month', 1, 12, MONTHS, 1),
    dayOfWeek: parseField(parts[4], 'day-of-week', 0, 6, WEEKDAYS, 0),
    second: parseField(parts[5] ?? '0', 'second', 0, 59),
  };
  if (parts[6] !== undefined) {
    if (!/^\d+$/.test(parts[6])) throw new CronSyntaxError(`invalid jitter "${parts[6]}"`);
    spec.jitter = Number(parts[6]);
  }
  return spec;
}

/** The first time strictly after `after` at which the spec fires (UTC, jitter not applied). */
export function nextCronTime(spec: CronSpec, after: Date): Date {
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getTime() + 5 * 366 * 86400_000;
  while (t.getTime() <= limit) {
    if (!spec.month.values.includes(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    const dow = (t.getUTCDay() + 6) % 7; // Monday = 0
    if (!spec.day.values.includes(t.getUTCDate()) || !spec.dayOfWeek.values.includes(dow)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!spec.hour.values.includes(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!spec.minute.values.includes(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    const sec = spec.second.values.find((s) => s >= t.getUTCSeconds());
    if (sec === undefined) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    t.setUTCSeconds(sec, 0);
    return t;
  }
  throw new CronSyntaxError('the time never fires');
}
