import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGitUrl, parseNamedRepositorySpec, parseRepositorySpec, repositoryName } from './repository-spec.js';

test('URL_OR_PATH[@REVISION] as Pegleg splits it', () => {
  assert.deepEqual(parseRepositorySpec('/opt/site'), { url: '/opt/site' });
  assert.deepEqual(parseRepositorySpec('/opt/site@v1.9'), { url: '/opt/site', revision: 'v1.9' });
  assert.deepEqual(parseRepositorySpec('https://host/airship/treasuremap.git@abc123/'), { url: 'https://host/airship/treasuremap.git', revision: 'abc123' });
  assert.deepEqual(parseRepositorySpec('file:///srv/global.git@refs/heads/main'), { url: 'file:///srv/global.git', revision: 'refs/heads/main' });
  assert.deepEqual(parseRepositorySpec('ssh://git@host:29418/global.git'), { url: 'ssh://git@host:29418/global.git' });
  assert.deepEqual(parseRepositorySpec('ssh://git@host:29418/global.git@master'), { url: 'ssh://git@host:29418/global.git', revision: 'master' });
  assert.deepEqual(parseRepositorySpec('git@github.com:org/repo.git'), { url: 'git@github.com:org/repo.git' });
  assert.deepEqual(parseRepositorySpec('git@github.com:org/repo.git@v2'), { url: 'git@github.com:org/repo.git', revision: 'v2' });
  assert.throws(() => parseRepositorySpec(''), /path or a git URL/);
  assert.throws(() => parseRepositorySpec('/x@'), /URL_OR_PATH\[@REVISION\]/);
});

test('NAME=URL_OR_PATH[@REVISION] for -e', () => {
  assert.deepEqual(parseNamedRepositorySpec('global=/opt/global@foo'), { name: 'global', url: '/opt/global', revision: 'foo' });
  assert.throws(() => parseNamedRepositorySpec('/opt/global'), /NAME=URL_OR_PATH/);
});

test('URLs versus paths, and short names', () => {
  for (const u of ['file:///x', 'https://h/x', 'http://h/x', 'ssh://h/x', 'git://h/x', 'git@h:o/r']) assert.ok(isGitUrl(u), u);
  for (const p of ['/opt/x', './x', 'x', 'C/x']) assert.ok(!isGitUrl(p), p);
  assert.equal(repositoryName('https://host/airship/treasuremap.git'), 'treasuremap');
  assert.equal(repositoryName('/opt/site/'), 'site');
  assert.equal(repositoryName('git@h:org/global.git'), 'global');
});
