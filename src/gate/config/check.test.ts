import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkConfig, formatCheckResult } from './check.js';
import { BASE_CONFIG } from '../../../test/helpers/gate/config.js';

describe('checkConfig', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gate-check-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('checks a config file and reports problems at file:line', async () => {
    const file = path.join(dir, 'zuul.yaml');
    await writeFile(file, `${BASE_CONFIG}- job:\n    name: broken\n    parent: nowhere\n- project:\n    check: {jobs: [broken]}\n`);
    const line = BASE_CONFIG.split('\n').length + 2;
    const res = await checkConfig(file, { open: false });
    assert.equal(res.kind, 'config-file');
    assert.equal(res.ok, false);
    assert.deepEqual(res.errors.map((e) => `${e.file}:${e.line} ${e.code}`), [`${file}:${line} job-not-found`]);
    assert.match(formatCheckResult(res), /1 error\(s\), 0 warning\(s\) \(2 pipeline, 2 job, 1 project\)/);
    // Without a tenant, the parent may be defined by another project: a warning.
    const open = await checkConfig(file);
    assert.equal(open.ok, true);
    assert.deepEqual(open.warnings.map((e) => `${e.file}:${e.line} ${e.code}`), [`${file}:${line} unresolved-job`]);
  });

  it('checks a bare zuul.d/ (any folder of YAML): unknown projects and connections are warnings, broken YAML an error at file:line', async () => {
    const zd = path.join(dir, 'config', 'zuul.d');
    await mkdir(path.join(zd, 'sub'), { recursive: true });
    await writeFile(path.join(zd, 'a.yaml'), BASE_CONFIG);
    await writeFile(path.join(zd, 'sub', 'b.yaml'), [
      '- pipeline:', '    name: other', '    manager: independent', '    trigger: {review-gerrit: [{event: comment-added}]}',
      '- job: {name: ok, run: make, required-projects: [org/elsewhere]}',
      '- project: {name: org/elsewhere, check: {jobs: [ok]}}', '',
    ].join('\n'));
    const res = await checkConfig(zd);
    assert.equal(res.kind, 'config-dir');
    assert.deepEqual(res.errors, []);
    assert.deepEqual(res.warnings.map((e) => `${path.relative(dir, e.file!)}:${e.line} ${e.code}`).sort(), [
      'config/zuul.d/sub/b.yaml:4 unresolved-connection',
      'config/zuul.d/sub/b.yaml:4 unsupported-connection',
      'config/zuul.d/sub/b.yaml:5 unresolved-project',
      'config/zuul.d/sub/b.yaml:6 unresolved-project',
    ]);
    assert.equal(res.objects.pipeline, 3);
    const strict = await checkConfig(zd, { open: false });
    assert.deepEqual(strict.errors.map((e) => e.code).sort(), ['project-not-found', 'project-not-found', 'unknown-connection']);
    await writeFile(path.join(zd, 'sub', 'c.yaml'), '- job:\n    name: x\n    run: [unclosed\n');
    const broken = await checkConfig(zd);
    assert.equal(broken.ok, false);
    assert.deepEqual(broken.errors.map((e) => `${path.relative(dir, e.file!)} ${e.code}`), ['config/zuul.d/sub/c.yaml yaml']);
    assert.equal(typeof broken.errors[0].line, 'number');
  });

  it('checks a repository directory', async () => {
    const repoDir = path.join(dir, 'repo');
    await mkdir(path.join(repoDir, 'zuul.d'), { recursive: true });
    await writeFile(path.join(repoDir, 'zuul.d', 'a.yaml'), BASE_CONFIG);
    await writeFile(path.join(repoDir, 'zuul.d', 'b.yaml'), '- job: {name: ok, run: make}\n- project: {check: {jobs: [ok]}}\n');
    const good = await checkConfig(repoDir);
    assert.equal(good.kind, 'config-dir');
    assert.deepEqual(good.errors, []);
    assert.equal(good.ok, true);
    await writeFile(path.join(repoDir, 'zuul.d', 'c.yaml'), '- job: {name: pb, run: site.yml}\n- job: {name: pb, bogus: 1}\n');
    const bad = await checkConfig(repoDir);
    assert.deepEqual(bad.errors.map((e) => `${path.relative(dir, e.file!)}:${e.line} ${e.code}`), ['repo/zuul.d/c.yaml:2 schema']);
    const empty = await checkConfig(await mkdtemp(path.join(dir, 'empty-')));
    assert.deepEqual(empty.errors.map((e) => e.code), ['no-config']);
  });

  it('checks a tenant file', async () => {
    const file = path.join(dir, 'main.yaml');
    await writeFile(file, '- tenant:\n    name: t\n    bogus: 1\n');
    const res = await checkConfig(file);
    assert.equal(res.kind, 'tenant-file');
    assert.deepEqual(res.errors.map((e) => `${e.line} ${e.code}`), ['3 schema']);
  });

  it('reports a missing target', async () => {
    const res = await checkConfig(path.join(dir, 'nope.yaml'));
    assert.equal(res.errors[0].code, 'not-found');
  });
});
