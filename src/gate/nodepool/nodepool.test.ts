import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../core/index.js';
import { parseLabels } from './labels.js';
import { NodePool, type MetalProvider } from './nodepool.js';

/** A pool of machines by resource class; claims deploy after a tick, releases clean after one. */
function fakeMetal(machines: Record<string, string[]>) {
  const free = Object.fromEntries(Object.entries(machines).map(([k, v]) => [k, [...v]]));
  const log: string[] = [];
  const provider: MetalProvider = {
    async claim(pool) {
      const m = free[pool]?.shift();
      if (!m) return null;
      await new Promise((r) => setTimeout(r, 5));
      log.push(`deploy ${m}`);
      return { uuid: m, name: m };
    },
    async release(uuid) {
      await new Promise((r) => setTimeout(r, 5));
      log.push(`clean ${uuid}`);
      const pool = Object.keys(machines).find((k) => machines[k]!.includes(uuid))!;
      free[pool]!.push(uuid);
    },
  };
  return { provider, log };
}

const LABELS = `
- name: metal-small
  metal-pool: small
  quota: 1
- name: default
  quota: 2
`;

test('labels: parsed with defaults; bad ones refused with what and where', () => {
  const [metal, sandbox] = parseLabels(LABELS, 'labels.yaml');
  assert.deepEqual(metal, { name: 'metal-small', metalPool: 'small', runtime: 'default', quota: 1, minReady: 0 });
  assert.deepEqual(sandbox, { name: 'default', runtime: 'default', quota: 2, minReady: 0 });
  assert.throws(() => parseLabels('- name: x\n  quota: -1\n', 'l.yaml'), /l.yaml: labels\[0\].quota: a non-negative integer/);
  assert.throws(() => parseLabels('- name: x\n  bogus: 1\n', 'l.yaml'), /unknown key bogus/);
  assert.throws(() => parseLabels('- name: x\n  min-ready: 1\n', 'l.yaml'), /only metal pools keep warm nodes/);
});

test('a metal label: a machine is deployed for the request and cleaned after; with quota 1 a second request waits', async () => {
  const { provider, log } = fakeMetal({ small: ['m1', 'm2'] });
  const pool = new NodePool(parseLabels(LABELS, 'l'), () => provider, silentLogger(), 20);
  const first = await pool.request('b1', ['metal-small'], new AbortController().signal);
  assert.equal(first.nodes[0]!.metal?.uuid, 'm1');
  assert.equal(first.request.state, 'fulfilled');
  let second: Awaited<ReturnType<typeof pool.request>> | undefined;
  const pending = pool.request('b2', ['metal-small'], new AbortController().signal).then((g) => (second = g));
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(second, undefined, 'quota 1: the second waits');
  assert.equal(pool.list().requests.find((r) => r.build === 'b2')!.state, 'requested');
  await pool.release(first);
  await pending;
  assert.notEqual(second!.nodes[0]!.id, first.nodes[0]!.id, 'a node is never reused');
  assert.deepEqual(log.slice(0, 2), ['deploy m1', 'clean m1']);
  assert.equal(first.nodes[0]!.state, 'deleted');
  assert.equal(first.request.state, 'released');
  await pool.release(second!);
});

test('min-ready machines are deployed ahead, taken by a request, and replaced', async () => {
  const { provider, log } = fakeMetal({ small: ['m1', 'm2', 'm3'] });
  const pool = new NodePool(parseLabels('- name: warm\n  metal-pool: small\n  quota: 2\n  min-ready: 1\n', 'l'), () => provider, silentLogger(), 20);
  await pool.refill();
  assert.deepEqual(log, ['deploy m1']);
  const g = await pool.request('b1', ['warm'], new AbortController().signal);
  assert.equal(g.nodes[0]!.metal?.uuid, 'm1', 'the warm machine');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(log, ['deploy m1', 'deploy m2'], 'another one was made ready');
  await pool.release(g);
  assert.ok(log.includes('clean m1'));
  await pool.stop();
  assert.ok(log.includes('clean m2'), 'warm nodes are cleaned at stop');
});

test('a sandbox label counts quota; requests are all or nothing; a cancelled wait fails its request', async () => {
  const pool = new NodePool(parseLabels(LABELS, 'l'), () => undefined, silentLogger(), 20);
  const a = await pool.request('b1', ['default', 'default'], new AbortController().signal);
  const abort = new AbortController();
  const b = pool.request('b2', ['default'], abort.signal);
  await new Promise((r) => setTimeout(r, 40));
  abort.abort();
  await assert.rejects(b, /gave up waiting/);
  assert.equal(pool.list().requests.find((r) => r.build === 'b2')!.state, 'failed');
  assert.equal((await pool.request('b3', ['unlisted-label'], new AbortController().signal)).nodes.length, 1, 'labels without a spec have no quota');
  await pool.release(a);
  await assert.rejects(pool.request('b4', ['metal-small'], new AbortController().signal), /the metal module is not running/);
});
