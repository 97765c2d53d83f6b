import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newMachine, uuidFrom } from './machine.js';
import { DirMachineStore, MemoryMachineStore } from './store.js';

test('two stores on one directory (two processes, in effect) never lose an update', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-store-'));
  try {
    const a = new DirMachineStore(dir);
    const b = new DirMachineStore(dir);
    await a.create(newMachine({ id: 'node-0', uuid: uuidFrom('s'), cpus: 1, memoryMiB: 64, diskGiB: 1, nics: 1 }));
    const bump = (s: DirMachineStore) =>
      s.update('node-0', async (r) => {
        await new Promise((res) => setTimeout(res, 1));
        return { ...r, version: r.version + 1 };
      });
    await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 ? a : b)));
    assert.equal((await b.get('node-0'))!.version, 41);
    assert.deepEqual(readdirSync(join(dir, 'systems')).sort(), ['node-0.json']);
    assert.equal(statSync(join(dir, 'systems', 'node-0.json')).mode & 0o777, 0o600);
    await assert.rejects(a.create(newMachine({ id: 'node-0', uuid: 'x', cpus: 1, memoryMiB: 64, diskGiB: 1, nics: 1 })), /already exists/);
    await assert.rejects(a.update('nope', (r) => r), /no system nope/);
    assert.throws(() => a.dirOf('../etc'), /invalid system id/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the memory store hands out copies', async () => {
  const s = new MemoryMachineStore();
  await s.create(newMachine({ id: 'n', uuid: 'u', cpus: 1, memoryMiB: 64, diskGiB: 1, nics: 0 }));
  const r = (await s.get('n'))!;
  r.power = 'On';
  assert.equal((await s.get('n'))!.power, 'Off');
  assert.throws(() => s.dirOf('n'), /no working directory/);
});
