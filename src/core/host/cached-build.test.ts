import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedBuild, isBuilt } from './cached-build.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'cached-build-'));
}

test('builds once: concurrent callers share the build, later callers reuse the folder', async () => {
  const root = scratch();
  try {
    const dir = join(root, 'a', 'key1');
    let builds = 0;
    const build = async (tmp: string) => {
      builds++;
      assert.ok(!existsSync(dir), 'nothing at the final name while building');
      await new Promise((r) => setTimeout(r, 20));
      writeFileSync(join(tmp, 'out'), 'built');
    };
    const [x, y] = await Promise.all([cachedBuild(dir, build), cachedBuild(dir, build)]);
    assert.equal(x, dir);
    assert.equal(y, dir);
    assert.equal(builds, 1);
    assert.equal(readFileSync(join(dir, 'out'), 'utf8'), 'built');
    assert.ok(isBuilt(dir));
    await cachedBuild(dir, build);
    assert.equal(builds, 1);
    assert.deepEqual(readdirSync(join(root, 'a')), ['key1'], 'no temporary folder left');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a failed build leaves nothing; an incomplete leftover is rebuilt', async () => {
  const root = scratch();
  try {
    const dir = join(root, 'key');
    await assert.rejects(
      cachedBuild(dir, async (tmp) => {
        writeFileSync(join(tmp, 'half'), 'x');
        throw new Error('compiler broke');
      }),
      /compiler broke/,
    );
    assert.deepEqual(readdirSync(root), []);
    mkdirSync(dir);
    writeFileSync(join(dir, 'stale'), 'from a crashed builder');
    assert.ok(!isBuilt(dir));
    await cachedBuild(dir, async (tmp) => writeFileSync(join(tmp, 'out'), 'fresh'));
    assert.deepEqual(readdirSync(dir).sort(), ['.complete', 'out']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
