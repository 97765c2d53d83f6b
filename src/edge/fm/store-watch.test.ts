/**
 * Alarm 600.004 against a real PostgreSQL that goes away: while it is down
 * the alarm is served from memory (the API, the summary, the gauges); once it
 * answers again the outage is in the event log as a set and a clear.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverConfig, silentLogger } from '../../core/index.js';
import { startPostgres, until as poll, type PostgresCluster } from '../../core/testing/index.js';
import { startServer, type RunningServer } from '../../server.js';
import { fmModule } from './index.js';

let pg: PostgresCluster | undefined;
let server: RunningServer | undefined;
const dir = mkdtempSync(join(tmpdir(), 'strata-fm-store-'));
after(async () => {
  await server?.close().catch(() => {});
  pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000) => poll(what, fn, ms, { every: 100, tolerateErrors: true });

test('the store going away raises 600.004 in memory; its return records the outage and clears it', async () => {
  pg = await startPostgres();
  // noauth: token checks read the store too, and this test is about what FM shows while it cannot.
  server = await startServer(serverConfig({ listen: '127.0.0.1:0', data: dir, database: pg.url, noauth: true, logLevel: 'silent', options: { fmStoreCheckInterval: '0.1' } }), { modules: [fmModule], log: silentLogger() });
  const get = async (url: string) => {
    const r = await server!.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.headers['content-type']?.toString().includes('json') ? r.json() : r.body };
  };
  assert.deepEqual((await get('/fm/v1/alarms')).body.alarms, []);

  pg.pause();
  const held = await until('600.004 held', async () => {
    const r = await get('/fm/v1/alarms');
    return r.status === 200 && r.body.alarms.find((a: any) => a.alarm_id === '600.004');
  });
  assert.equal(held.entity_instance_id, 'store=postgres');
  assert.equal(held.severity, 'critical');
  assert.match(held.reason_text, /The store postgres:\/\/.* is unreachable since/);
  assert.equal((await get('/fm/v1/alarms/summary')).body.status, 'critical');
  assert.match((await get('/metrics')).body as string, /strata_fm_active_alarms\{severity="critical"\} 1/);

  pg.resume();
  await until('cleared', async () => {
    const r = await get('/fm/v1/alarms');
    return r.status === 200 && r.body.alarms.length === 0;
  });
  const events = (await get('/fm/v1/event_log?event_log_id=600.004')).body.event_log;
  assert.deepEqual(events.map((e: any) => e.state), ['clear', 'set']);
  assert.match(events[1].reason_text, /unreachable since \d{4}-/);
});
