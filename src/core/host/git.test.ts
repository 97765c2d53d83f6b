import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, gitEnv, GitError, parseBatch, parseTree, readBlobs } from './index.js';

test('the isolated environment has no user or system config and fixed identities; userConfig keeps the caller\'s', () => {
  const env = gitEnv({ author: { name: 'A', email: 'a@x', date: 1_700_000_000_123 } });
  assert.equal(env.GIT_CONFIG_GLOBAL, '/dev/null');
  assert.equal(env.GIT_CONFIG_NOSYSTEM, '1');
  assert.equal(env.GIT_AUTHOR_DATE, '@1700000000 +0000');
  assert.equal(env.GIT_COMMITTER_NAME, 'Strata Gate');
  const user = gitEnv({ userConfig: true });
  assert.equal(user.HOME, process.env.HOME);
  assert.equal(user.GIT_CONFIG_GLOBAL, process.env.GIT_CONFIG_GLOBAL);
  for (const e of [env, user]) assert.deepEqual([e.LC_ALL, e.GIT_TERMINAL_PROMPT], ['C', '0']);
});

test('parseTree keeps blobs only; parseBatch reads ids in order, twice if asked, and refuses missing or truncated output', () => {
  const tree = Buffer.from('100644 blob aaa\tx.yaml\u0000040000 tree bbb\tsub\u0000100755 blob ccc\tsub/run sh\u0000');
  assert.deepEqual(parseTree(tree), [{ path: 'x.yaml', mode: '100644', sha: 'aaa' }, { path: 'sub/run sh', mode: '100755', sha: 'ccc' }]);
  const out = Buffer.from('aaa blob 3\nabc\naaa blob 3\nabc\n');
  assert.equal(parseBatch(out, ['aaa', 'aaa']).get('aaa')?.toString(), 'abc');
  assert.throws(() => parseBatch(Buffer.from('zzz missing\n'), ['zzz']), /git object zzz is missing/);
  assert.throws(() => parseBatch(Buffer.from(''), ['aaa']), /truncated/);
});

test('a real repository: commit with a fixed identity, read blobs back; a failing command is a GitError naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-git-'));
  try {
    await git(['init', '-q', '-b', 'main', dir]);
    writeFileSync(join(dir, 'a.txt'), 'alpha\n');
    await git(['-C', dir, 'add', 'a.txt']);
    const when = { name: 'Zuul', email: 'z@x', date: 1_600_000_000_000 };
    await git(['-C', dir, 'commit', '-q', '-m', 'one'], { author: when, committer: when });
    const sha = (await git(['-C', dir, 'rev-parse', 'HEAD:a.txt'])).stdout.trim();
    assert.equal((await readBlobs(['-C', dir], [sha])).get(sha)?.toString(), 'alpha\n');
    assert.equal((await git(['-C', dir, 'log', '-1', '--format=%an %at'])).stdout.trim(), 'Zuul 1600000000');
    await assert.rejects(git(['-C', dir, 'rev-parse', '--verify', 'nope']), (e: unknown) => e instanceof GitError && /git -C .* rev-parse --verify nope failed \(128\)/.test(e.message));
    assert.equal((await git(['-C', dir, 'rev-parse', '--verify', 'nope'], { allowFail: true })).code, 128);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
