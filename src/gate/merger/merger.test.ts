import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestRepos } from '../../../test/helpers/gate/repos.js';
import { makeChange } from '../scheduler/simulation.js';
import type { Change } from '../model.js';
import { git } from './git.js';
import { Merger, type MergeMode } from './merger.js';
import { RepoCache } from './repo-cache.js';
import { advanceBranch } from './submit.js';

const cleanup: Array<() => void> = [];
after(() => cleanup.forEach((f) => f()));

async function setup(opts: { bare?: boolean } = {}) {
  const repos = new TestRepos();
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'strata-gate-cache-'));
  cleanup.push(() => repos.remove(), () => rmSync(cacheDir, { recursive: true, force: true }));
  const base = await repos.create('org/a', { 'README': 'hello\n', 'a.txt': 'a\n' }, opts);
  const cache = new RepoCache(repos.root, cacheDir);
  return { repos, cache, base, merger: new Merger(cache) };
}

async function change(repos: TestRepos, number: number, files: Record<string, string | null>, parent?: string): Promise<Change> {
  const commit = await repos.commit('org/a', files, `Change ${number}\n\nBody.`, { parent });
  // Gerrit keeps each patchset under refs/changes; the merger fetches it from there.
  await git(['-C', repos.dir('org/a'), 'update-ref', `refs/changes/${String(number).padStart(2, '0')}/${number}/1`, commit]);
  return makeChange(number, { commit, ref: `refs/changes/${String(number).padStart(2, '0')}/${number}/1`, subject: `Change ${number}`, createdOn: Date.UTC(2024, 1, number), owner: { username: 'alice', name: 'Alice', email: 'alice@example.org' } });
}

for (const mode of ['merge', 'merge-resolve', 'merge-recursive', 'merge-ort', 'cherry-pick', 'squash-merge', 'rebase'] as MergeMode[]) {
  test(`${mode}: two independent changes merge in order; the same merge gives the same commit; a conflict is reported`, async () => {
    const { repos, merger, cache } = await setup();
    const show = async (rev: string, file: string) => (await git(['-C', cache.cachePath('org/a'), 'show', `${rev}:${file}`])).stdout;
    const c1 = await change(repos, 1, { 'one.txt': '1\n' });
    const c2 = await change(repos, 2, { 'two.txt': '2\n' });
    const c3 = await change(repos, 3, { 'one.txt': 'conflicting\n' });
    const first = await merger.merge({ changes: [c1], base: {}, mergeMode: () => mode });
    assert.ok(first.ok);
    assert.deepEqual(first.files, ['one.txt']);
    const second = await merger.merge({ changes: [c2], base: first.commits, mergeMode: () => mode });
    assert.ok(second.ok);
    const tip = second.commits['org/a']!.main!;
    assert.equal(await show(tip, 'one.txt'), '1\n');
    assert.equal(await show(tip, 'two.txt'), '2\n');
    // Reproducible: merging again from scratch yields the same commits.
    const again = await merger.merge({ changes: [c1, c2], base: {}, mergeMode: () => mode });
    assert.ok(again.ok);
    assert.equal(again.commits['org/a']!.main, tip);
    const conflict = await merger.merge({ changes: [c3], base: first.commits, mergeMode: () => mode });
    assert.equal(conflict.ok, false);
    assert.match(!conflict.ok ? conflict.error : '', /3,1 cannot be .* onto [0-9a-f]{12} of org\/a main/);
    // The cache clone is clean again for the next merge.
    const next = await merger.merge({ changes: [c2], base: {}, mergeMode: () => mode });
    assert.ok(next.ok);
  });
}

test('a change on top of the branch tip fast-forwards in merge mode: the branch gets the patchset commit itself', async () => {
  const { repos, merger } = await setup();
  const c1 = await change(repos, 1, { 'one.txt': '1\n' });
  const r = await merger.merge({ changes: [c1], base: {}, mergeMode: () => 'merge-resolve' });
  assert.ok(r.ok);
  assert.equal(r.commits['org/a']!.main, c1.commit);
});

test('a change whose parent is another change (stacked) merges with it', async () => {
  const { repos, merger } = await setup();
  const c1 = await change(repos, 1, { 'one.txt': '1\n' });
  const c2 = await change(repos, 2, { 'two.txt': '2\n' }, c1.commit);
  const r = await merger.merge({ changes: [c1, c2], base: {}, mergeMode: () => 'cherry-pick' });
  assert.ok(r.ok);
  assert.equal(r.commits['org/a']!.main, c2.commit, 'cherry-picking onto its own parent keeps the commit');
});

test('submit advances a bare repository branch by compare-and-swap; repeating it is recognised; a moved branch is refused', async () => {
  const { repos, cache, merger, base } = await setup({ bare: true });
  const c1 = await change(repos, 1, { 'one.txt': '1\n' });
  const c2 = await change(repos, 2, { 'two.txt': '2\n' });
  const r1 = await merger.merge({ changes: [c1, c2], base: {}, mergeMode: () => 'merge' });
  assert.ok(r1.ok);
  const target = r1.commits['org/a']!.main!;
  assert.notEqual(target, c2.commit, 'a real merge commit, made in the cache');
  assert.deepEqual(await advanceBranch(cache, 'org/a', 'main', base, target, 'test'), { status: 'advanced' });
  assert.equal(await repos.tip('org/a'), target);
  assert.deepEqual(await advanceBranch(cache, 'org/a', 'main', base, target, 'test'), { status: 'already' });
  const moved = await advanceBranch(cache, 'org/a', 'main', base, c1.commit, 'test');
  assert.equal(moved.status, 'moved');
  assert.equal(await repos.tip('org/a'), target);
});

test('submit into a non-bare repository with the branch checked out moves index and working tree too', async () => {
  const { repos, cache, merger, base } = await setup();
  const c1 = await change(repos, 1, { 'one.txt': '1\n', 'a.txt': null });
  const r = await merger.merge({ changes: [c1], base: {}, mergeMode: () => 'merge' });
  assert.ok(r.ok);
  // A local, unrelated modification survives.
  writeFileSync(path.join(repos.dir('org/a'), 'README'), 'edited locally\n');
  assert.equal((await advanceBranch(cache, 'org/a', 'main', base, r.commits['org/a']!.main!, 'test')).status, 'advanced');
  assert.equal(readFileSync(path.join(repos.dir('org/a'), 'one.txt'), 'utf8'), '1\n');
  const status = await git(['-C', repos.dir('org/a'), 'status', '--porcelain']);
  assert.equal(status.stdout, ' M README\n', 'only the local edit differs from the new HEAD');
});

test('a project outside the git root or without a repository is refused', async () => {
  const { cache } = await setup();
  await assert.rejects(cache.ensure('../etc'), /invalid project name/);
  await assert.rejects(cache.ensure('org/none'), /project org\/none has no repository/);
});
