import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { SandboxWorkloads, type SandboxApi } from './workload-port.js';

const frame = (f: unknown) => JSON.stringify(f) + '\n';

/** A sandbox service in memory whose execs print and exit as told. */
function fakeSandboxes() {
  const boxes = new Map<string, { id: string; state: string; spec: { labels?: Record<string, string> } }>();
  let n = 0;
  let lists = 0;
  const api: SandboxApi & { boxes: typeof boxes; lists(): number; nextExit: number | null } = {
    boxes,
    nextExit: null,
    lists: () => lists,
    async create(_c, input) {
      const id = `sb${++n}`;
      boxes.set(id, { id, state: 'running', spec: { labels: input.labels as Record<string, string> } });
      return boxes.get(id)!;
    },
    async list() {
      lists++;
      return [...boxes.values(), { id: 'other', state: 'running', spec: {} }];
    },
    async remove(_c, id) {
      if (!boxes.delete(id)) throw Object.assign(new Error('gone'), { status: 404 });
    },
    async exec(_c, _id, req) {
      const exit = req.command[0] === 'false' ? 1 : 0;
      // keep-alive blank lines and output split across chunks, as the service streams them
      const text = frame({ sandbox: 's', exec: 'e', pid: 1 }) + '\n' + frame({ stream: 'stdout', data: Buffer.from(`ran ${req.command.join(' ')}\n`).toString('base64') }) + frame({ exit, signal: null, timedOut: false, durationMs: 1 });
      return { stream: Readable.from([text.slice(0, 7), text.slice(7, 50), text.slice(50)]), abandon() {} };
    },
  };
  return api;
}

test('replicas are the labelled sandboxes; a command that exited shows as exited; removing twice is fine', async () => {
  const sb = fakeSandboxes();
  const w = new SandboxWorkloads(() => sb);
  const spec = { release: 'lab-a', replica: 0, sandbox: { env: {}, hostname: 'lab-a-0', labels: { 'strata.site/release': 'lab-a', 'strata.site/replica': '0', 'strata.site/hash': 'h1' } }, command: ['serve'] };
  const r = await w.start(spec, 'h1');
  assert.deepEqual((await w.list()).map(({ state: _s, ...x }) => x), [{ id: r.id, release: 'lab-a', replica: 0, hash: 'h1' }], 'the unlabelled sandbox is not a replica');
  await new Promise((res) => setTimeout(res, 20));
  assert.equal((await w.list())[0].state, 'exited', 'its command ended (exit 0 from the fake)');
  assert.match(w.output(r.id), /ran serve/);
  const t = await w.exec(r.id, ['false'], 1000);
  assert.deepEqual([t.exit, t.output], [1, 'ran false\n']);
  await w.remove(r.id);
  await w.remove(r.id);
  assert.deepEqual(await w.list(), []);
});

test('listings are reused for two seconds, with what the port itself changed applied', async () => {
  const sb = fakeSandboxes();
  const w = new SandboxWorkloads(() => sb);
  await w.list();
  const spec = (i: number) => ({ release: 'lab-b', replica: i, sandbox: { env: {}, hostname: `b${i}`, labels: { 'strata.site/release': 'lab-b', 'strata.site/replica': String(i) } }, command: ['sleep', '1'] });
  const a = await w.start(spec(0), 'h');
  await w.start(spec(1), 'h');
  await w.remove(a.id);
  assert.deepEqual((await w.list()).map((r) => r.replica), [1]);
  assert.equal(sb.lists(), 1, 'one listing served all of that');
  sb.boxes.clear(); // removed behind the port's back: seen once the listing is stale
  await new Promise((res) => setTimeout(res, 2100));
  assert.deepEqual(await w.list(), []);
  assert.equal(sb.lists(), 2);
});
