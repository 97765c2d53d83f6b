/**
 * Sites spread over real git repositories, built here: the site repository
 * (type/ and site/) pins the global repository to a commit in its site
 * definition, as a Pegleg site does; `-e` overrides the pin, `-r URL@REV`
 * reads the site repository at a revision, a plain path reads its working
 * tree (uncommitted changes included).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Document } from '../../src/site/documents/index.js';
import { render } from '../../src/site/render/index.js';
import { assembleSite } from '../../src/site/collect/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, '../shared/fixtures');
const TREASUREMAP = join(FIXTURES, 'treasuremap-v1.9');

let work: string;
let globalRepo: string;
let siteRepo: string;
let globalPinned: string;
let globalLater: string;
let siteCommit: string;

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const COMMON_ADDRESSES = 'global/software/config/versions.yaml';

before(() => {
  work = mkdtempSync(join(tmpdir(), 'strata-site-repos-'));
  globalRepo = join(work, 'global-manifests');
  siteRepo = join(work, 'site-manifests');
  cpSync(join(TREASUREMAP, 'global'), join(globalRepo, 'global'), { recursive: true });
  git(globalRepo, 'init', '-q', '-b', 'main');
  git(globalRepo, 'add', '-A');
  git(globalRepo, 'commit', '-q', '-m', 'global v1.9');
  globalPinned = git(globalRepo, 'rev-parse', 'HEAD');
  // A later global commit the site is not pinned to.
  const versions = join(globalRepo, COMMON_ADDRESSES);
  writeFileSync(versions, readFileSync(versions, 'utf8').replace(/^data:\n/m, 'data:\n  strata_marker: later-global\n'));
  git(globalRepo, 'commit', '-q', '-am', 'later');
  globalLater = git(globalRepo, 'rev-parse', 'HEAD');

  cpSync(join(TREASUREMAP, 'type'), join(siteRepo, 'type'), { recursive: true });
  cpSync(join(TREASUREMAP, 'site'), join(siteRepo, 'site'), { recursive: true });
  const def = join(siteRepo, 'site/seaworthy/site-definition.yaml');
  writeFileSync(
    def,
    readFileSync(def, 'utf8').replace(
      '  site_type: foundry\n',
      `  site_type: foundry\n  repositories:\n    global:\n      revision: ${globalPinned}\n      url: ${pathToFileURL(globalRepo).href}\n`,
    ),
  );
  git(siteRepo, 'init', '-q', '-b', 'main');
  git(siteRepo, 'add', '-A');
  git(siteRepo, 'commit', '-q', '-m', 'sites');
  siteCommit = git(siteRepo, 'rev-parse', 'HEAD');
});

after(() => rmSync(work, { recursive: true, force: true }));

const key = (d: Document) => `${d.schema}|${d.metadata?.name}|${d.metadata?.layeringDefinition?.layer ?? ''}`;

function assertEqualsReference(docs: Document[], site = 'seaworthy'): void {
  const want = JSON.parse(readFileSync(join(FIXTURES, `treasuremap-v1.9-rendered/${site}.redacted.json`), 'utf8')) as Document[];
  const got = new Map(docs.map((d) => [key(d), JSON.parse(JSON.stringify(d))]));
  assert.equal(got.size, want.length);
  for (const w of want) {
    // The site definition now names its repositories; everything else is as Deckhand rendered it.
    if (w.schema === 'pegleg/SiteDefinition/v1') continue;
    assert.deepEqual(got.get(key(w)), w, key(w));
  }
}

function marker(docs: Document[]): unknown {
  const versions = docs.find((d) => d.schema === 'pegleg/SoftwareVersions/v1');
  return (versions?.data as Record<string, unknown> | undefined)?.strata_marker;
}

test('the site definition pins the global repository: global at that commit, not at its branch head', async () => {
  const site = await assembleSite({ site: 'seaworthy', repository: siteRepo });
  assert.deepEqual(
    site.repositories.map((r) => [r.role, r.commit]),
    [
      ['site', undefined],
      ['global', globalPinned],
    ],
  );
  assert.ok(site.files.filter((f) => f.repository === 1).every((f) => f.path.startsWith('global/')));
  assert.ok(site.files.some((f) => f.label.includes(`@${globalPinned.slice(0, 12)}:global/`)));
  const { documents } = render(site.documents, { failOnMissingSubSrc: false });
  assert.equal(marker(documents), undefined);
  assertEqualsReference(documents);
});

test('-e global=PATH@REV overrides the pin', async () => {
  const site = await assembleSite({ site: 'seaworthy', repository: siteRepo, extraRepositories: [`global=${globalRepo}@${globalLater}`] });
  assert.equal(site.repositories[1].commit, globalLater);
  assert.equal(marker(render(site.documents, { failOnMissingSubSrc: false }).documents), 'later-global');
  const branch = await assembleSite({ site: 'seaworthy', repository: siteRepo, extraRepositories: ['global=' + pathToFileURL(globalRepo).href + '@main'] });
  assert.equal(branch.repositories[1].commit, globalLater);
});

test('-r URL@REV clones the site repository at a revision; a plain path reads the working tree', async () => {
  const def = join(siteRepo, 'site/seaworthy/site-definition.yaml');
  const committed = readFileSync(def, 'utf8');
  writeFileSync(def, committed.replace('name: seaworthy', 'name: seaworthy\n  labels: {uncommitted: "yes"}'));
  try {
    const tree = await assembleSite({ site: 'seaworthy', repository: siteRepo });
    assert.deepEqual(tree.siteDefinition.metadata.labels, { uncommitted: 'yes' });
    const cloned = await assembleSite({ site: 'seaworthy', repository: `${pathToFileURL(siteRepo).href}@${siteCommit}` });
    assert.equal(cloned.repositories[0].commit, siteCommit);
    assert.equal(cloned.siteDefinition.metadata.labels, undefined);
    assertEqualsReference(render(cloned.documents, { failOnMissingSubSrc: false }).documents);
    const local = await assembleSite({ site: 'seaworthy', repository: `${siteRepo}@main` });
    assert.equal(local.repositories[0].commit, siteCommit);
    assert.equal(local.siteDefinition.metadata.labels, undefined);
  } finally {
    writeFileSync(def, committed);
  }
});

test('a revision that does not exist, or a repository that cannot be cloned, is an error saying which', async () => {
  await assert.rejects(assembleSite({ site: 'seaworthy', repository: `${siteRepo}@no-such-branch` }), /revision no-such-branch does not exist in .*site-manifests/);
  await assert.rejects(
    assembleSite({ site: 'seaworthy', repository: siteRepo, extraRepositories: [`global=${pathToFileURL(join(work, 'absent')).href}`] }),
    /cannot clone file:\/\/.*absent/,
  );
  await assert.rejects(assembleSite({ site: 'seaworthy', repository: `${join(work, 'global-manifests/global')}@main` }).then(() => undefined), /site seaworthy not found/);
});
