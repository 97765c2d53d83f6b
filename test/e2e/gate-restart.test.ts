// State survives a crash: the server is killed (SIGKILL) mid-queue, with
// builds running; a new one on the same store resumes. Running builds run
// again, nothing is merged twice, no failed change merges, and the killed
// server's build processes do not survive it.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startPostgres, type PostgresCluster } from '../../src/core/testing/index.js';
import { GateFixture, gateMessages } from '../helpers/gate/fixture.js';

let pg: PostgresCluster | undefined;
const fixtures: GateFixture[] = [];
after(async () => {
  for (const f of fixtures) await f.stop();
  pg?.stop();
});

/** Processes still carrying the executor marker of a data directory. */
function buildProcesses(dataDir: string): number[] {
  const marker = createHash('sha256').update(path.resolve(dataDir, 'gate', 'work')).digest('hex').slice(0, 16);
  const needle = `STRATA_GATE_EXECUTOR=${marker}`;
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(needle);
    } catch {
      return false;
    }
  }).map(Number);
}

async function crashMidQueue(f: GateFixture): Promise<void> {
  const c1 = await f.change('org/a', { 'r1.txt': '1\n' }, 'Restart one', { slow: { unit: 20 } });
  const c2 = await f.change('org/b', { 'r2.txt': '2\n' }, 'Restart two');
  const c3 = await f.change('org/a', { 'fail-unit': '', 'r3.txt': '3\n' }, 'Restart three, broken');
  const c4 = await f.change('org/a', { 'r4.txt': '4\n' }, 'Restart four');
  for (const c of [c1, c2, c3, c4]) await f.approve(c.number);
  const running = await f.waitRunning(c1.number);
  const old = buildProcesses(f.server.dataDir);
  assert.ok(old.length > 0, 'the slow build is running');
  await f.restart('SIGKILL');
  const alive = old.filter((pid) => {
    try {
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
    } catch {
      return false;
    }
  });
  assert.deepEqual(alive, [], 'the killed server\'s builds were killed on start');
  await f.wait(180);

  for (const c of [c1, c2, c4]) {
    const shown = await f.show(c.number);
    assert.equal(shown.status, 'MERGED', JSON.stringify(shown.messages));
    assert.equal(gateMessages(shown).filter((m) => m.includes('successfully merged')).length, 1, 'merged once');
    assert.equal(gateMessages(shown).filter((m) => m.includes('Build succeeded')).length, 1, 'reported once');
  }
  const s3 = await f.show(c3.number);
  assert.equal(s3.status, 'NEW', 'the failing change never merged');
  assert.equal(await f.fileAtTip('org/a', 'r3.txt'), null);
  // Each merged commit is on the branch exactly once.
  const logA = await f.log('org/a');
  assert.equal(logA.filter((s) => s.includes('Restart one')).length, 1);
  assert.equal(logA.filter((s) => s.includes('Restart four')).length, 1);
  // The interrupted build is recorded, and ran again.
  const b1 = await f.builds(['--change', String(c1.number), '--pipeline', 'gate']);
  const interrupted = b1.find((b) => b.uuid === running.uuid);
  assert.equal(interrupted.result, 'ABORTED');
  assert.match(interrupted.message, /interrupted by a restart/);
  assert.equal(b1.at(-1).result, 'SUCCESS');
}

test('SQLite: a crash mid-queue loses nothing', async () => {
  const f = await GateFixture.start({ check: false });
  fixtures.push(f);
  await crashMidQueue(f);
});

test('PostgreSQL: a crash mid-queue loses nothing', async () => {
  pg = await startPostgres();
  const f = await GateFixture.start({ check: false, database: pg.url });
  fixtures.push(f);
  await crashMidQueue(f);
});
