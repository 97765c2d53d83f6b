import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { storesUnderTest } from '../../../core/testing/index.js';
import { gateMigrations } from '../../db/migrations.js';
import { EventLog } from '../../db/events.js';
import { RepoCache, git } from '../../merger/index.js';
import { TestRepos } from '../../../../test/helpers/gate/repos.js';
import { GATE_ACCOUNT, LocalSource } from './source.js';

const stores = storesUnderTest({ gate: gateMigrations });
const cleanup: Array<() => void> = [];
after(async () => {
  cleanup.forEach((f) => f());
  await stores.close();
});

const alice = { username: 'alice', name: 'Alice' };

for (const kind of ['sqlite', 'postgres'] as const) {
  test(`${kind}: changes, patchsets, reviews, abandon/restore, with Gerrit's events`, async () => {
    const store = await stores[kind]();
    const repos = new TestRepos();
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'strata-src-cache-'));
    cleanup.push(() => repos.remove(), () => rmSync(cacheDir, { recursive: true, force: true }));
    await repos.create('org/a', { 'a.txt': 'a\n' });
    const events = new EventLog(store.db);
    const source = new LocalSource(store, new RepoCache(repos.root, cacheDir), events, () => 'http://strata.test');

    const c1 = await repos.commit('org/a', { 'one.txt': '1\n' }, 'First change');
    const created = await source.createChange({ project: 'org/a', commit: c1, uploader: alice });
    assert.deepEqual(created, { number: 1, patchset: 1, url: 'http://strata.test/gate/changes/1' });
    // The patchset is kept under Gerrit's ref in the project's repository.
    assert.equal((await git(['-C', repos.dir('org/a'), 'rev-parse', 'refs/changes/01/1/1'])).stdout.trim(), c1);

    const c2 = await repos.commit('org/a', { 'two.txt': '2\n' }, 'Second change\n\nDepends-On: http://old-address:1234/gate/changes/1', { parent: c1 });
    const second = await source.createChange({ project: 'org/a', branch: 'main', commit: c2, topic: 't', uploader: alice });
    const ch2 = await source.getChange(second.number);
    assert.deepEqual(ch2!.needs, [{ number: 1, patchset: 1, via: 'git-parent' }], 'the git parent; the Depends-On names the same change');
    assert.deepEqual(await source.neededBy(1), [2]);

    await source.review(1, { labels: { 'Code-Review': 2 }, author: alice });
    await source.review(1, { labels: { Workflow: 1 }, message: 'ship it', author: alice });
    const shown = await source.show(1);
    assert.equal(shown.status, 'NEW');
    assert.deepEqual(shown.approvals.map((a) => [a.type, a.value, a.by.username]), [['Code-Review', 2, 'alice'], ['Workflow', 1, 'alice']]);
    assert.deepEqual(shown.messages.map((m) => m.message), ['Uploaded patch set 1.', 'Patch Set 1: Code-Review+2', 'Patch Set 1: Workflow+1\n\nship it']);
    assert.deepEqual(shown.messages[1]!.author, alice);

    // A new patchset resets the votes.
    const c1b = await repos.commit('org/a', { 'one.txt': '1b\n' }, 'First change, again');
    assert.deepEqual(await source.updateChange(1, { commit: c1b, uploader: alice }), { number: 1, patchset: 2, url: 'http://strata.test/gate/changes/1' });
    assert.deepEqual((await source.show(1)).approvals, []);
    assert.equal((await source.getChange(2))!.needs[0]!.patchset, 1, 'the git parent is still patchset 1 (now outdated)');

    await source.abandon(1, alice, 'not needed');
    await assert.rejects(source.abandon(1, alice), /change 1 is abandoned/);
    await assert.rejects(source.review(1, { labels: { 'Code-Review': 1 }, author: alice }), /votes need an open change/);
    await source.restore(1, alice);

    const log = await events.after(0);
    assert.deepEqual(log.map((e) => e.type), [
      'patchset-created', 'patchset-created', 'comment-added', 'comment-added', 'patchset-created', 'change-abandoned', 'change-restored',
    ]);
    const approved = log[3]!;
    assert.deepEqual(approved.approvals, [{ label: 'Code-Review', value: 2 }, { label: 'Workflow', value: 1, oldValue: 0 }]);
    assert.equal(approved.comment, 'Patch Set 1: Workflow+1\n\nship it');
    assert.deepEqual(approved.change, { number: 1, patchset: 1 });

    // The reporter's votes and merges.
    await store.db.transaction().execute(async (trx) => {
      await source.report(trx, 2, { labels: { Verified: 2 }, message: 'Build succeeded.' });
      await source.markMerged(trx, 2, { oldrev: 'a', newrev: 'b' });
    });
    const merged = await source.show(2);
    assert.equal(merged.status, 'MERGED');
    assert.deepEqual(merged.approvals.map((a) => [a.type, a.value, a.by.username]), [['Verified', 2, GATE_ACCOUNT.username]]);
    assert.match(merged.messages.at(-2)!.message, /^Patch Set 1: Verified\+2\n\nBuild succeeded\.$/);
    assert.equal((await events.after(7)).map((e) => e.type).join(), 'comment-added,change-merged');
  });
}

test('bad input: unknown project, branch or commit, duplicates, merged commits, bad votes', async () => {
  const store = await stores.sqlite();
  const repos = new TestRepos();
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'strata-src-cache-'));
  cleanup.push(() => repos.remove(), () => rmSync(cacheDir, { recursive: true, force: true }));
  const base = await repos.create('org/a', { 'a.txt': 'a\n' });
  const source = new LocalSource(store, new RepoCache(repos.root, cacheDir), new EventLog(store.db), () => 'http://x');
  const c1 = await repos.commit('org/a', { 'one.txt': '1\n' }, 'One');
  await assert.rejects(source.createChange({ project: 'org/none', commit: c1, uploader: alice }), /project org\/none has no repository/);
  await assert.rejects(source.createChange({ project: '../x', commit: c1, uploader: alice }), /project \.\.\/x has no repository/);
  await assert.rejects(source.createChange({ project: 'org/a', branch: 'nope', commit: c1, uploader: alice }), /branch nope does not exist in project org\/a/);
  await assert.rejects(source.createChange({ project: 'org/a', commit: 'f'.repeat(40), uploader: alice }), /commit f{40} does not exist in project org\/a/);
  await assert.rejects(source.createChange({ project: 'org/a', commit: '--upload-pack=x', uploader: alice }), /invalid commit/);
  await assert.rejects(source.createChange({ project: 'org/a', commit: base, uploader: alice }), /already merged/);
  await source.createChange({ project: 'org/a', commit: c1, uploader: alice });
  await assert.rejects(source.createChange({ project: 'org/a', commit: c1, uploader: alice }), /already a patchset of change 1/);
  await assert.rejects(source.review(1, { labels: { 'Code-Review': 3 }, author: alice }), /integers from -2 to 2/);
  await assert.rejects(source.review(1, { author: alice }), /a vote or a message/);
  await assert.rejects(source.review(9, { message: 'x', author: alice }), /change 9 not found/);
  assert.equal((await source.list()).length, 1, 'nothing else was created');
});
