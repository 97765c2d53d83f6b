import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceLedger, releaseResource } from './resources.js';

test('the ledger persists as it grows and releases newest first, idempotently', async () => {
  const base = await mkdtemp(join(tmpdir(), 'ledger-'));
  try {
    const state = join(base, 'state');
    await mkdir(state);
    const file = join(base, 'ledger.json');
    const ledger = new ResourceLedger(file);
    await ledger.add({ kind: 'dir', path: state });
    await mkdir(join(state, 'inner'));
    await ledger.add({ kind: 'dir', path: join(state, 'inner') });
    await ledger.add({ kind: 'process', pid: 999_999_999, startTime: 1, label: 'long gone' });
    assert.equal(JSON.parse(await readFile(file, 'utf8')).length, 3);
    // a crashed manager's ledger is read back and released the same way
    const again = await ResourceLedger.load(file);
    assert.deepEqual(await again.releaseAll(), []);
    assert.equal(existsSync(state), false);
    // releasing what is already gone is fine
    await releaseResource({ kind: 'dir', path: state });
    await releaseResource({ kind: 'mount', path: join(base, 'never-mounted') });
    await releaseResource({ kind: 'process', pid: process.pid, startTime: -5, label: 'a reused pid is not killed' });
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
