// What Zuul's web UI reads of a tenant's status JSON, field by field, from
// its components (web/src/containers/status/): Pipeline.jsx (name,
// description, change_queues, heads, trigger/management/result event
// counts; each item's id, live and items_behind to draw the tree),
// ChangeQueue.jsx (queue name, branch), Change.jsx (project, id, ref,
// active, live, failing_reasons), ChangePanel.jsx (url, enqueue_time,
// remaining_time, jobs: name, result, url, report_url, queued, paused,
// waiting_status, tries, elapsed_time, remaining_time, voting). Returns one
// line per problem; [] when the UI can render the document.

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const kinds: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  array: (v) => Array.isArray(v),
};

function field(out: string[], at: string, o: Json, name: string, kind: string, nullable = false): void {
  if (!(name in o)) {
    out.push(`${at}.${name}: missing`);
    return;
  }
  const v = o[name];
  if (v === null && nullable) return;
  if (!kinds[kind]!(v)) out.push(`${at}.${name}: expected ${kind}${nullable ? ' or null' : ''}, got ${JSON.stringify(v)?.slice(0, 60)}`);
}

const RESULTS = new Set(['SUCCESS', 'FAILURE', 'ERROR', 'POST_FAILURE', 'RETRY_LIMIT', 'TIMED_OUT', 'ABORTED', 'SKIPPED', 'NODE_FAILURE',
  'MERGE_CONFLICT', 'CONFIG_ERROR', 'LOST', 'CANCELED', 'UNSTABLE', 'DISK_FULL', 'MERGER_FAILURE']);

function checkJob(out: string[], at: string, j: Json): void {
  field(out, at, j, 'name', 'string');
  field(out, at, j, 'result', 'string', true);
  if (typeof j.result === 'string' && !RESULTS.has(j.result)) out.push(`${at}.result: ${j.result} is not a result Zuul reports`);
  field(out, at, j, 'url', 'string', true);
  field(out, at, j, 'report_url', 'string', true);
  field(out, at, j, 'queued', 'boolean');
  field(out, at, j, 'paused', 'boolean', true);
  field(out, at, j, 'waiting_status', 'string', true);
  field(out, at, j, 'tries', 'number');
  field(out, at, j, 'elapsed_time', 'number', true);
  field(out, at, j, 'remaining_time', 'number', true);
  field(out, at, j, 'voting', 'boolean');
  // The UI links the job name to report_url once there is a result, to url while it runs.
  if (j.result !== null && j.result !== undefined && j.report_url === null && j.result !== 'SKIPPED') out.push(`${at}: a finished job needs report_url`);
}

function checkItem(out: string[], at: string, i: Json, ids: Set<string>): void {
  field(out, at, i, 'id', 'string', true);
  field(out, at, i, 'project', 'string');
  field(out, at, i, 'ref', 'string', true);
  field(out, at, i, 'url', 'string', true);
  field(out, at, i, 'live', 'boolean');
  field(out, at, i, 'active', 'boolean');
  field(out, at, i, 'enqueue_time', 'number');
  field(out, at, i, 'remaining_time', 'number', true);
  field(out, at, i, 'failing_reasons', 'array');
  field(out, at, i, 'items_behind', 'array');
  field(out, at, i, 'item_ahead', 'string', true);
  field(out, at, i, 'jobs', 'array');
  // Pipeline.jsx looks every items_behind id up among the queue's items.
  for (const b of (Array.isArray(i.items_behind) ? i.items_behind : [])) if (!ids.has(b as string)) out.push(`${at}.items_behind: ${b} is not an item of the queue`);
  (Array.isArray(i.jobs) ? i.jobs : []).forEach((j, k) => (isObj(j) ? checkJob(out, `${at}.jobs[${k}]`, j) : out.push(`${at}.jobs[${k}]: not an object`)));
}

export function checkZuulStatus(doc: unknown): string[] {
  const out: string[] = [];
  if (!isObj(doc)) return ['status: not an object'];
  field(out, 'status', doc, 'pipelines', 'array');
  (Array.isArray(doc.pipelines) ? doc.pipelines : []).forEach((p, pi) => {
    const at = `pipelines[${pi}]`;
    if (!isObj(p)) return void out.push(`${at}: not an object`);
    field(out, at, p, 'name', 'string');
    if ('description' in p) field(out, at, p, 'description', 'string', true);
    for (const k of ['trigger_events', 'management_events', 'result_events']) field(out, at, p, k, 'number');
    field(out, at, p, 'change_queues', 'array');
    (Array.isArray(p.change_queues) ? p.change_queues : []).forEach((q, qi) => {
      const qat = `${at}.change_queues[${qi}]`;
      if (!isObj(q)) return void out.push(`${qat}: not an object`);
      field(out, qat, q, 'name', 'string');
      field(out, qat, q, 'branch', 'string', true);
      field(out, qat, q, 'heads', 'array');
      const heads = Array.isArray(q.heads) ? q.heads : [];
      const ids = new Set<string>();
      for (const h of heads) for (const i of Array.isArray(h) ? h : []) if (isObj(i) && typeof i.id === 'string') ids.add(i.id);
      heads.forEach((h, hi) => {
        if (!Array.isArray(h)) return void out.push(`${qat}.heads[${hi}]: not a list`);
        h.forEach((i, ii) => (isObj(i) ? checkItem(out, `${qat}.heads[${hi}][${ii}]`, i, ids) : out.push(`${qat}.heads[${hi}][${ii}]: not an object`)));
      });
    });
  });
  return out;
}
