// The dashboard in Debian's Chromium against a real server: token login (a
// wrong token refused), the gate page following a real change through the
// gate queue until its job turns green, a fake-hardware node deployed from
// its page through each state, a reader who sees no action buttons and
// whose forged request is refused, the site diff, and a page that reconnects
// by itself after the server restarts. Screenshots of each page go to
// dist/test-screenshots (and to docs/screenshots with STRATA_DOCS_SCREENSHOTS=1).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort } from '../../src/core/testing/index.js';
import { api, REPO, startServer, type StrataServer } from '../helpers/strata.js';
import { launchBrowser, type Browser } from '../helpers/browser.js';
import { GateFixture, JOBS, PIPELINES, projectConfig } from './gate-helpers.js';

// The hub re-reads watched resources every 100 ms here, so short-lived states show.
process.env.STRATA_WEB_WATCH_INTERVAL = '100';

const SHOTS = join(REPO, 'dist', 'test-screenshots');
const DOCS_SHOTS = join(REPO, 'docs', 'screenshots');
const IRONIC = { 'x-openstack-ironic-api-version': '1.78', 'content-type': 'application/json' };
const SLOW = `
- job:
    name: slow
    run: 'sleep 3'
`;

let f: GateFixture;
let browser: Browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  f = await GateFixture.start({
    config: { 'zuul.d/pipelines.yaml': PIPELINES, 'zuul.d/jobs.yaml': JOBS + SLOW },
    projects: { 'org/a': { README: 'a\n', '.zuul.yaml': projectConfig({ gate: ['unit', 'slow'] }) } },
    // Fake deploys take long enough for the page to see the deploying state.
    serverArgs: ['--metal-fake-delay', '700'],
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await f?.stop();
});

async function shot(page: Page, name: string): Promise<void> {
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.STRATA_DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS_SHOTS, { recursive: true });
    copyFileSync(file, join(DOCS_SHOTS, `${name}.png`));
  }
}

async function login(page: Page, url: string, token: string, path = '/ui/'): Promise<void> {
  await page.goto(url + path);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
}

async function newToken(role: string, project = 'admin'): Promise<string> {
  const r = await api(f.server, '/auth/v1/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role, project, name: `web ${role}` }) });
  assert.equal(r.status, 201);
  return ((await r.json()) as any).token;
}

test('a wrong token is refused; the right one logs in and lands on the overview from a deep link', async () => {
  const page = await browser.context.newPage();
  await page.goto(f.server.url + '/ui/nodes');
  await page.getByLabel('Token').fill('not-a-token');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'The token was refused' }).waitFor();
  await shot(page, 'login');
  await page.getByLabel('Token').fill(f.server.token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Nodes' }).waitFor();
  assert.equal(await page.evaluate("sessionStorage.getItem('strata.token')"), f.server.token);
  assert.ok(!page.url().includes(f.server.token), 'the token is never in a URL');
  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.getByTestId('link').filter({ hasText: 'live' }).waitFor();
  await shot(page, 'overview');
  await page.close();
});

test('the gate page shows a real change moving through the gate queue, its job turning green', { timeout: 120_000 }, async () => {
  const page = await browser.context.newPage();
  await login(page, f.server.url, f.server.token, '/ui/gate');
  await page.getByTestId('link').filter({ hasText: 'live' }).waitFor();
  // Everything the page ever shows for each job, recorded as the DOM changes.
  await page.evaluate(`{
    window.seen = [];
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid="gate-item"]')) {
        for (const j of el.querySelectorAll('[data-testid^="job-"]')) {
          const s = el.getAttribute('data-id') + ' ' + j.getAttribute('data-testid') + ' ' + j.dataset.status + '/' + j.dataset.result;
          if (!window.seen.includes(s)) window.seen.push(s);
        }
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  }`);
  const c = await f.change('org/a', { 'web.txt': 'x\n' }, 'Gated while the dashboard watches', { slow: { unit: 1 } });
  await f.approve(c.number);
  const item = page.locator(`[data-testid="pipeline-gate"] [data-testid="gate-item"][data-id="${c.number},1"]`);
  await item.waitFor({ timeout: 30_000 });
  await item.locator('[data-testid="job-unit"][data-status="running"]').waitFor({ timeout: 30_000 });
  await shot(page, 'gate');
  await item.locator('[data-testid="job-unit"][data-result="SUCCESS"]').waitFor({ timeout: 30_000 });
  assert.match(await item.locator('[data-testid="job-unit"] .r-SUCCESS').innerText(), /SUCCESS/);
  await f.wait();
  await item.waitFor({ state: 'detached', timeout: 10_000 });
  const seen = (await page.evaluate('window.seen')) as string[];
  const unit = seen.filter((s) => s.includes('job-unit'));
  assert.ok(unit.indexOf(`${c.number},1 job-unit running/`) >= 0 && unit.indexOf(`${c.number},1 job-unit completed/SUCCESS`) > unit.indexOf(`${c.number},1 job-unit running/`), `unit ran, then passed: ${unit.join(' | ')}`);
  // The log of a finished build, from the builds list.
  const [build] = ((await (await api(f.server, `/gate/api/builds?change=${c.number}&pipeline=gate`)).json()) as any).filter((b: any) => b.job === 'unit');
  await page.goto(`${f.server.url}/ui/gate/builds/${build.uuid}`);
  await page.getByTestId('build-log').filter({ hasText: `unit of ${c.number},1` }).waitFor();
  await shot(page, 'build-log');
  await page.close();
});

test('a node deployed from its page reaches active, the page showing each state on the way; a reader sees no actions and a forged action gets 403', { timeout: 120_000 }, async () => {
  const created = await api(f.server, '/baremetal/v1/nodes', { method: 'POST', headers: IRONIC, body: JSON.stringify({ driver: 'fake-hardware', name: 'web-1', owner: 'lab' }) });
  assert.equal(created.status, 201);
  const node = (await created.json()) as any;
  const page = await browser.context.newPage();
  await login(page, f.server.url, f.server.token, `/ui/nodes/${node.uuid}`);
  const state = page.getByTestId('provision-state');
  await state.filter({ hasText: /^enroll$/ }).waitFor();
  for (const [verb, reached] of [['manage', 'manageable'], ['provide', 'available'], ['deploy', 'active']] as const) {
    await page.getByRole('group', { name: 'Actions' }).getByRole('button', { name: verb, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Confirm ${verb}` });
    await dialog.getByText(`Run "${verb}" on node web-1`).waitFor();
    await dialog.getByRole('button', { name: `Confirm ${verb}` }).click();
    await state.filter({ hasText: new RegExp(`^${reached}$`) }).waitFor({ timeout: 60_000 });
  }
  const trail = await page.getByTestId('trail').locator('li').allInnerTexts();
  const stable = trail.filter((s) => ['enroll', 'manageable', 'available', 'active'].includes(s));
  assert.deepEqual(stable, ['enroll', 'manageable', 'available', 'active'], `trail: ${trail.join(' → ')}`);
  // Verifying and cleaning take a few ms on fake hardware, deploying the fake delay.
  for (const transient of ['deploying']) assert.ok(trail.includes(transient), `the page showed ${transient}: ${trail.join(' → ')}`);
  await shot(page, 'node');
  await page.goto(f.server.url + '/ui/nodes');
  await page.getByTestId('nodes-table').getByRole('link', { name: 'web-1' }).waitFor();
  await shot(page, 'nodes');
  await page.close();

  // A reader of the node's owner project: it sees the node, and may not act on it.
  const reader = await newToken('reader', 'lab');
  const rpage = await browser.context.newPage();
  await login(rpage, f.server.url, reader, `/ui/nodes/${node.uuid}`);
  await rpage.getByTestId('provision-state').filter({ hasText: 'active' }).waitFor();
  assert.equal(await rpage.getByTestId('me').innerText(), 'web reader · reader');
  assert.equal(await rpage.getByRole('group', { name: 'Actions' }).count(), 0);
  for (const name of ['manage', 'provide', 'deploy', 'undeploy', 'power on', 'power off']) assert.equal(await rpage.getByRole('button', { name, exact: true }).count(), 0, name);
  // The same request the admin's button sends, forged by the reader in the page.
  const forged = await rpage.evaluate(async ([uuid, token]) => {
    const r = await fetch(`/baremetal/v1/nodes/${uuid}/states/provision`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-openstack-ironic-api-version': '1.78' }, body: JSON.stringify({ target: 'deleted' }) });
    return { status: r.status, body: await r.text() };
  }, [node.uuid, reader]);
  assert.equal(forged.status, 403, forged.body);
  assert.equal(((await (await api(f.server, `/baremetal/v1/nodes/${node.uuid}`, { headers: IRONIC })).json()) as any).provision_state, 'active');
  await rpage.goto(f.server.url + '/ui/sandboxes');
  await rpage.getByRole('heading', { name: 'Sandboxes' }).waitFor();
  await shot(rpage, 'sandboxes');
  await rpage.close();
});

test('the site page shows the diff between two revisions, from a deep link', async () => {
  const doc = (name: string, v: number) => `---\nschema: example/Kind/v1\nmetadata:\n  schema: metadata/Document/v1\n  name: ${name}\n  storagePolicy: cleartext\n  layeringDefinition:\n    abstract: false\n    layer: site\ndata: {v: ${v}}\n`;
  const put = (bucket: string, body: string) => api(f.server, `/deckhand/api/v1.0/buckets/${bucket}/documents`, { method: 'PUT', headers: { 'content-type': 'application/x-yaml' }, body });
  for (const [bucket, name, v] of [['web', 'web-doc', 1], ['web', 'web-doc', 2], ['extra', 'extra-doc', 3]] as const) assert.equal((await put(bucket, doc(name, v))).status, 200);
  const revs = ((await (await api(f.server, '/deckhand/api/v1.0/revisions', { headers: { accept: 'application/json' } })).json()) as any).results;
  const [r1, , r3] = revs.map((r: any) => r.id);
  const page = await browser.context.newPage();
  await login(page, f.server.url, f.server.token, `/ui/site?a=${r1}&b=${r3}`);
  const diff = page.getByTestId('diff');
  await diff.waitFor();
  await diff.getByRole('row', { name: /web modified/ }).waitFor();
  await diff.getByRole('row', { name: /extra created/ }).waitFor();
  await shot(page, 'site');
  await page.close();
});

test('a page reconnects by itself after a server restart; a server without a built UI serves its APIs', { timeout: 90_000 }, async () => {
  const port = await freePort();
  let s: StrataServer = await startServer({ args: ['--modules', 'metal,web', '--listen', `127.0.0.1:${port}`] });
  const dataDir = s.dataDir;
  try {
    const page = await browser.context.newPage();
    await login(page, s.url, s.token, '/ui/nodes');
    const badge = page.getByTestId('link');
    await badge.filter({ hasText: 'live' }).waitFor();
    await s.stop('SIGKILL', true);
    await badge.filter({ hasText: 'reconnecting' }).waitFor();
    s = await startServer({ dataDir, args: ['--modules', 'metal,web', '--listen', `127.0.0.1:${port}`] });
    await badge.filter({ hasText: 'live' }).waitFor({ timeout: 15_000 });
    const r = await api({ url: s.url, token: (await import('node:fs')).readFileSync(join(dataDir, 'admin-token'), 'utf8').trim() }, '/baremetal/v1/nodes', { method: 'POST', headers: IRONIC, body: JSON.stringify({ driver: 'fake-hardware', name: 'after-restart' }) });
    assert.equal(r.status, 201);
    await page.getByTestId('nodes-table').getByRole('link', { name: 'after-restart' }).waitFor();
    await page.close();
  } finally {
    await s.stop('SIGTERM', true);
  }
  const bare = await startServer({ dataDir, args: ['--modules', 'metal,web'], env: { STRATA_WEB_BUNDLE: join(dataDir, 'no-ui-here') } });
  try {
    const token = (await import('node:fs')).readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const shell = await fetch(bare.url + '/');
    assert.equal(shell.status, 404);
    assert.match(await shell.text(), /dashboard is not built on this host.*npm run build:web/s);
    const nodes = await api({ url: bare.url, token }, '/baremetal/v1/nodes', { headers: IRONIC });
    assert.equal(nodes.status, 200);
    assert.deepEqual(((await nodes.json()) as any).nodes.map((n: any) => n.name), ['after-restart']);
  } finally {
    await bare.stop();
  }
});
