// The dashboard in Debian's Chromium against a real server: token login (a
// wrong token refused), the gate page following a real change through the
// gate queue until its job turns green (and a second one moving up to the
// head; a running build's log streamed live), a fake-hardware node deployed from
// its page through each state, a reader who sees no action buttons and
// whose forged request is refused, the site diff, a sandbox's resource use
// and an exec's output, the accelerators, alarms and fleet pages of a
// system controller (an alarm raised while the page watches shows up), and
// a page that reconnects by itself after the server restarts. Screenshots
// of each page go to dist/test-screenshots (full pages) and, with
// STRATA_DOCS_SCREENSHOTS=1 (`npm run screenshots`), to docs/screenshots
// (the first screenful, to keep them small).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort } from '../../src/core/testing/index.js';
import { api, REPO, startServer, type StrataServer } from '../helpers/strata.js';
import { launchBrowser, type Browser } from '../helpers/browser.js';
import { GateFixture, JOBS, PIPELINES, projectConfig } from '../helpers/gate/fixture.js';

// The hub re-reads watched resources every 100 ms here, so short-lived states show.
process.env.STRATA_WEB_WATCH_INTERVAL = '100';

const SHOTS = join(REPO, 'dist', 'test-screenshots');
const DOCS_SHOTS = join(REPO, 'docs', 'screenshots');
const IRONIC = { 'x-openstack-ironic-api-version': '1.78', 'content-type': 'application/json' };
const SLOW = `
- job:
    name: slow
    run: 'echo "slow" "started"; sleep 5; echo "slow" "done"'
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
    // One token by name is an admin of the tenant besides Strata's admins (Zuul's admin-rules).
    tenantPrefix: '- authorization-rule:\n    name: gatekeepers\n    conditions:\n      - sub: web gatekeeper\n',
    tenantLines: ['    admin-rules:', '      - gatekeepers'],
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await f?.stop();
});

async function shot(page: Page, name: string, opts: { docs?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  if (process.env.STRATA_DOCS_SCREENSHOTS === '1' && opts.docs !== false) {
    mkdirSync(DOCS_SHOTS, { recursive: true });
    await page.screenshot({ path: join(DOCS_SHOTS, `${name}.png`) });
  }
}

/** The buttons a page shows, by name (a reader's should be "Log out" alone). */
async function buttons(page: Page): Promise<string[]> {
  return (await page.getByRole('button').allInnerTexts()).map((t) => t.trim());
}

async function login(page: Page, url: string, token: string, path = '/ui/'): Promise<void> {
  await page.goto(url + path);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
}

async function newToken(role: string, project = 'admin', name = `web ${role}`): Promise<string> {
  const r = await api(f.server, '/auth/v1/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role, project, name }) });
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
  await shot(page, 'overview-fresh', { docs: false });
  // Keyboard: on a fresh load the first Tab reaches the skip link, which moves focus to the page's content.
  await page.reload();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate('document.activeElement.id'), 'main');
  await page.close();
});

test('the gate page shows real changes moving through the gate queue, the second up to the head, the first job turning green', { timeout: 120_000 }, async () => {
  const page = await browser.context.newPage();
  await login(page, f.server.url, f.server.token, '/ui/gate');
  await page.getByTestId('link').filter({ hasText: 'live' }).waitFor();
  // Everything the page ever shows for each job, recorded as the DOM changes.
  await page.evaluate(`{
    window.seen = [];
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid="gate-item"]')) {
        const a = el.getAttribute('data-id') + ' ahead=' + el.dataset.ahead;
        if (!window.seen.includes(a)) window.seen.push(a);
        for (const j of el.querySelectorAll('[data-testid^="job-"]')) {
          const s = el.getAttribute('data-id') + ' ' + j.getAttribute('data-testid') + ' ' + j.dataset.status + '/' + j.dataset.result;
          if (!window.seen.includes(s)) window.seen.push(s);
        }
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  }`);
  const c = await f.change('org/a', { 'web.txt': 'x\n' }, 'Gated while the dashboard watches', { slow: { unit: 1 } });
  // A second change, slower, queued behind the first: it moves to the head when the first merges.
  const d = await f.change('org/a', { 'web2.txt': 'y\n' }, 'Gated behind it', { slow: { unit: 8 } });
  await f.approve(c.number);
  await f.approve(d.number);
  const item = page.locator(`[data-testid="pipeline-gate"] [data-testid="gate-item"][data-id="${c.number},1"]`);
  const second = page.locator(`[data-testid="pipeline-gate"] [data-testid="gate-item"][data-id="${d.number},1"]`);
  await second.filter({ hasText: `behind ${c.number},1` }).waitFor({ timeout: 30_000 });
  await item.waitFor({ timeout: 30_000 });
  // The project filter hides what does not match and brings it back when cleared.
  const filter = page.getByRole('searchbox', { name: 'Project' });
  await filter.fill('org/nothing-here');
  await item.waitFor({ state: 'detached' });
  await filter.fill('org/a');
  await item.waitFor();
  await item.locator('[data-testid="job-unit"][data-status="running"]').waitFor({ timeout: 30_000 });
  await shot(page, 'gate');
  await item.locator('[data-testid="job-unit"][data-result="SUCCESS"]').waitFor({ timeout: 30_000 });
  assert.match(await item.locator('[data-testid="job-unit"] .r-SUCCESS').innerText(), /SUCCESS/);
  // The running slow job's link opens its log, streamed while it runs: the first line before the last is written
  // (the log also quotes the command, hence the split words).
  const href = await item.locator('[data-testid="job-slow"] a').getAttribute('href', { timeout: 10_000 });
  const logPage = await browser.context.newPage();
  await login(logPage, f.server.url, f.server.token, href!); // a new tab: its own session storage
  const liveLog = logPage.getByTestId('build-log');
  await liveLog.filter({ hasText: 'slow started' }).waitFor({ timeout: 10_000 });
  assert.doesNotMatch(await liveLog.innerText(), /slow done/, 'the log shows output while the build runs');
  await liveLog.filter({ hasText: 'slow done' }).waitFor({ timeout: 30_000 });
  await logPage.locator('.r-SUCCESS').waitFor({ timeout: 10_000 });
  await logPage.close();
  await item.waitFor({ state: 'detached', timeout: 30_000 });
  // Its last job ends the item: it merges at once, so the page may never show it green; the API says how it ended.
  await f.wait();
  await second.waitFor({ state: 'detached', timeout: 10_000 });
  const secondBuilds = ((await (await api(f.server, `/gate/api/builds?change=${d.number}&pipeline=gate`)).json()) as any[]).map((b) => `${b.job} ${b.result}`).sort();
  assert.deepEqual(secondBuilds, ['slow SUCCESS', 'unit SUCCESS']);
  const seen = (await page.evaluate('window.seen')) as string[];
  const moves = seen.filter((s) => s.startsWith(`${d.number},1 ahead=`));
  assert.deepEqual(moves, [`${d.number},1 ahead=${c.number},1`, `${d.number},1 ahead=`], `the second change moved up to the head: ${seen.join(' | ')}`);
  const unit = seen.filter((s) => s.includes('job-unit'));
  assert.ok(unit.indexOf(`${c.number},1 job-unit running/`) >= 0 && unit.indexOf(`${c.number},1 job-unit completed/SUCCESS`) > unit.indexOf(`${c.number},1 job-unit running/`), `unit ran, then passed: ${unit.join(' | ')}`);
  // The log of a finished build, from the builds list.
  const [build] = ((await (await api(f.server, `/gate/api/builds?change=${c.number}&pipeline=gate`)).json()) as any).filter((b: any) => b.job === 'unit');
  await page.goto(`${f.server.url}/ui/gate/builds/${build.uuid}`);
  await page.getByTestId('build-log').filter({ hasText: `unit of ${c.number},1` }).waitFor();
  await shot(page, 'build-log');
  await page.close();
});

test('a tenant admin promotes, dequeues and enqueues from the gate page and keeps an autohold; a reader sees no such button and a forged promote gets 403', { timeout: 150_000 }, async () => {
  const page = await browser.context.newPage();
  await login(page, f.server.url, f.server.token, '/ui/gate');
  await page.getByTestId('link').filter({ hasText: 'live' }).waitFor();
  // Three real changes whose unit job runs long enough for the actions to happen while they are queued.
  const cs = [];
  for (const n of [1, 2, 3]) cs.push(await f.change('org/a', { [`admin${n}.txt`]: `${n}\n` }, `Admin change ${n}`, { slow: { unit: 90 } }));
  for (const c of cs) await f.approve(c.number);
  const ids = cs.map((c) => `${c.number},1`);
  const order = () => page.locator('[data-testid="pipeline-gate"] [data-testid="gate-item"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
  const waitOrder = async (want: string[], what: string) => {
    const deadline = Date.now() + 30_000;
    for (let got = await order(); JSON.stringify(got) !== JSON.stringify(want); got = await order()) {
      assert.ok(Date.now() < deadline, `${what}: the page shows ${got.join(' ')}, not ${want.join(' ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitOrder(ids, 'queued in order');
  const item = (id: string) => page.locator(`[data-testid="pipeline-gate"] [data-testid="gate-item"][data-id="${id}"]`);
  const act = async (id: string, verb: string, question: RegExp) => {
    await item(id).getByRole('button', { name: verb, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Confirm ${verb}` });
    await dialog.getByText(question).waitFor();
    await dialog.getByRole('button', { name: `Confirm ${verb}` }).click();
    await dialog.waitFor({ state: 'hidden' });
  };

  // Cancel asks and does nothing.
  await item(ids[1]!).getByRole('button', { name: 'promote', exact: true }).click();
  await page.getByRole('dialog', { name: 'Confirm promote' }).getByRole('button', { name: 'Cancel' }).click();
  // Promote the second to the head: the page shows the new order, the old head now behind it.
  await act(ids[1]!, 'promote', new RegExp(`Move ${ids[1]} \\(org/a\\) to the head`));
  await waitOrder([ids[1]!, ids[0]!, ids[2]!], 'after promote');
  await item(ids[0]!).filter({ hasText: `behind ${ids[1]}` }).waitFor();
  await shot(page, 'gate-admin');

  // A reader (and a member the tenant's admin-rules do not name) sees the queue without one action; a forged promote and dequeue get 403.
  // Tokens of project org see org/a; besides Strata's admins, only the member the tenant's admin-rules name is its admin.
  const reader = await newToken('reader', 'org');
  const member = await newToken('member', 'org');
  assert.equal(((await (await fetch(`${f.server.url}/api/tenant/example/authorizations`, { headers: { authorization: `Bearer ${member}` } })).json()) as any).zuul.admin, false);
  assert.equal(((await (await api(f.server, '/api/tenant/example/authorizations')).json()) as any).zuul.admin, true);
  const rpage = await browser.context.newPage();
  await login(rpage, f.server.url, reader, '/ui/gate');
  await rpage.locator(`[data-testid="pipeline-gate"] [data-testid="gate-item"][data-id="${ids[2]}"]`).waitFor();
  await rpage.getByTestId('link').filter({ hasText: 'live' }).waitFor();
  assert.deepEqual(await buttons(rpage), ['Log out']);
  assert.equal(await rpage.getByTestId('enqueue').count(), 0);
  // One request per evaluate, with no named helper inside it (the test runner's transpiler would name it, breaking the page's copy).
  const forge = (path: string, body: unknown, as = reader) => rpage.evaluate(async ([p, token, b]) => {
    const r = await fetch(p, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: b });
    return `${r.status} ${await r.text()}`;
  }, [path, as, JSON.stringify(body)]);
  const forged = [
    await forge('/api/tenant/example/promote', { pipeline: 'gate', changes: [ids[2]] }),
    await forge('/api/tenant/example/project/org/a/dequeue', { pipeline: 'gate', change: ids[2] }),
  ];
  for (const r of forged) assert.match(r, /^403 .*role reader may not POST/);
  // A member passes the role check and meets the tenant's: it is no admin of it.
  assert.match(await forge('/api/tenant/example/promote', { pipeline: 'gate', changes: [ids[2]] }, member), /^403 .*not an admin of tenant example/);
  await waitOrder([ids[1]!, ids[0]!, ids[2]!], 'the forged requests changed nothing');

  // Dequeue removes the last item (done by the member the admin-rules admit, from its own page); enqueue brings it back (a refused one says why).
  const keeper = await newToken('member', 'org', 'web gatekeeper');
  const kpage = await browser.context.newPage();
  await login(kpage, f.server.url, keeper, '/ui/gate');
  const kitem = kpage.locator(`[data-testid="pipeline-gate"] [data-testid="gate-item"][data-id="${ids[2]}"]`);
  await kitem.getByRole('button', { name: 'dequeue', exact: true }).click();
  const kdialog = kpage.getByRole('dialog', { name: 'Confirm dequeue' });
  await kdialog.getByText(`Remove ${ids[2]} (org/a) from gate`).waitFor();
  await kdialog.getByRole('button', { name: 'Confirm dequeue' }).click();
  await kitem.waitFor({ state: 'detached', timeout: 30_000 });
  await kpage.close();
  await waitOrder([ids[1]!, ids[0]!], 'after dequeue');
  const form = page.getByTestId('enqueue');
  await form.getByRole('combobox', { name: 'Project' }).selectOption('org/a');
  await form.getByRole('combobox', { name: 'Pipeline' }).selectOption('gate');
  const target = form.getByRole('textbox', { name: 'Change or ref' });
  await target.fill('999,1');
  await form.getByRole('button', { name: 'enqueue', exact: true }).click();
  await page.getByRole('dialog', { name: 'Confirm enqueue' }).getByRole('button', { name: 'Confirm enqueue' }).click();
  await form.getByRole('alert').filter({ hasText: 'change 999,1 not found' }).waitFor();
  await target.fill(ids[2]!);
  await form.getByRole('button', { name: 'enqueue', exact: true }).click();
  const confirm = page.getByRole('dialog', { name: 'Confirm enqueue' });
  await confirm.getByText(`Enqueue ${ids[2]} of org/a into gate`).waitFor();
  await confirm.getByRole('button', { name: 'Confirm enqueue' }).click();
  await waitOrder([ids[1]!, ids[0]!, ids[2]!], 'after enqueue');
  assert.equal(await form.getByRole('alert').count(), 0, 'the earlier refusal is gone once an enqueue succeeds');

  // Autoholds: one refused (an unknown job, the server's reason shown), one created; the reader sees it without a button; deleted from the page.
  await page.getByRole('link', { name: 'autoholds', exact: true }).click();
  await page.getByTestId('no-autoholds').waitFor();
  const hold = page.getByTestId('autohold-form');
  await hold.getByRole('combobox', { name: 'Project' }).selectOption('org/a');
  await hold.getByRole('combobox', { name: 'Job' }).fill('no-such-job');
  await hold.getByRole('textbox', { name: 'Reason' }).fill('debug the flaky unit job');
  await hold.getByRole('button', { name: 'create autohold' }).click();
  await page.getByRole('dialog', { name: 'Confirm create autohold' }).getByRole('button', { name: 'Confirm create autohold' }).click();
  await hold.getByRole('alert').filter({ hasText: 'job no-such-job is not defined in tenant example' }).waitFor();
  await hold.getByRole('combobox', { name: 'Job' }).fill('unit');
  await hold.getByRole('textbox', { name: 'Change' }).fill(String(cs[0]!.number));
  await hold.getByRole('button', { name: 'create autohold' }).click();
  const hdialog = page.getByRole('dialog', { name: 'Confirm create autohold' });
  await hdialog.waitFor();
  assert.ok((await hdialog.innerText()).includes(`Hold the nodes of the next 1 failed build(s) of unit in org/a for change ${cs[0]!.number}?`), await hdialog.innerText());
  await hdialog.getByRole('button', { name: 'Confirm create autohold' }).click();
  const row = page.getByTestId('autoholds').getByRole('row', { name: /unit.*debug the flaky unit job/ });
  await row.waitFor();
  const [held] = ((await (await api(f.server, '/api/tenant/example/autohold')).json()) as any[]);
  assert.equal(held.job, 'unit');
  assert.equal(held.ref_filter, `refs/changes/.*/${cs[0]!.number}/.*`);
  await shot(page, 'autoholds');
  await rpage.goto(`${f.server.url}/ui/gate/autoholds`);
  await rpage.getByTestId('autoholds').getByRole('row', { name: /debug the flaky unit job/ }).waitFor();
  assert.deepEqual(await buttons(rpage), ['Log out']);
  assert.equal(await rpage.getByTestId('autohold-form').count(), 0);
  const forgedDelete = await rpage.evaluate(async ([token, id]) => (await fetch(`/api/tenant/example/autohold/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status, [reader, held.id]);
  assert.equal(forgedDelete, 403);
  await rpage.close();
  await row.getByRole('button', { name: 'delete' }).click();
  const ddialog = page.getByRole('dialog', { name: 'Confirm delete' });
  await ddialog.getByText(`Delete autohold ${held.id} (unit of org/a)`).waitFor();
  await ddialog.getByRole('button', { name: 'Confirm delete' }).click();
  await page.getByTestId('no-autoholds').waitFor();
  assert.deepEqual(await (await api(f.server, '/api/tenant/example/autohold')).json(), []);

  // Empty the queue from the page, so the tests after this one start from an idle gate.
  await page.getByRole('link', { name: 'status', exact: true }).click();
  for (const id of [ids[2]!, ids[0]!, ids[1]!]) {
    await act(id, 'dequeue', new RegExp(`Remove ${id} `));
    await item(id).waitFor({ state: 'detached', timeout: 30_000 });
  }
  await f.wait();
  const merged = (await f.gitIn('org/a', ['log', '--format=%s', 'main'])).split('\n').filter((l) => /Admin change/.test(l));
  assert.deepEqual(merged, [], 'dequeued changes do not merge');
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
  await page.goto(f.server.url + '/ui/nodes?q=active');
  await page.getByTestId('nodes-table').getByRole('link', { name: 'web-1' }).waitFor();
  await page.getByLabel('Filter').fill('no-such-node');
  await page.getByTestId('node-count').filter({ hasText: /^0 of [1-9]/ }).waitFor();
  await page.getByLabel('Filter').fill('web-1');
  await page.getByTestId('node-count').filter({ hasText: /^1 of / }).waitFor();
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
    const r = await api({ url: s.url, token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim() }, '/baremetal/v1/nodes', { method: 'POST', headers: IRONIC, body: JSON.stringify({ driver: 'fake-hardware', name: 'after-restart' }) });
    assert.equal(r.status, 201);
    await page.getByTestId('nodes-table').getByRole('link', { name: 'after-restart' }).waitFor();
    await page.close();
  } finally {
    await s.stop('SIGTERM', true);
  }
  const bare = await startServer({ dataDir, args: ['--modules', 'metal,web'], env: { STRATA_WEB_BUNDLE: join(dataDir, 'no-ui-here') } });
  try {
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
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

test('a sandbox page shows its resource use and streams an exec\'s output; a reader gets neither the form nor the exec', { timeout: 60_000 }, async () => {
  const created = await api(f.server, '/sandbox/api/v1/sandboxes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ runtime: 'process' }) });
  assert.equal(created.status, 201, await created.clone().text());
  const sb = (await created.json()) as any;
  try {
    // The usage API the page reads: a sample of the sandbox's host processes; unknown ids are 404.
    const usage = (await (await api(f.server, `/sandbox/api/v1/sandboxes/${sb.id}/usage`)).json()) as any;
    assert.equal(usage.sandbox, sb.id);
    assert.ok(usage.processes >= 1 && usage.rssKiB > 0 && usage.pssKiB > 0 && usage.cpuMs >= 0, JSON.stringify(usage));
    assert.deepEqual(usage.limits.map((l: any) => l.limit), ['network']);
    assert.equal((await api(f.server, '/sandbox/api/v1/sandboxes/aaaaaaaaaaaaaaaaaaaaaaaa/usage')).status, 404);
    const page = await browser.context.newPage();
    await login(page, f.server.url, f.server.token, '/ui/sandboxes');
    await page.getByRole('link', { name: sb.id }).click();
    await page.getByTestId('sandbox-state').filter({ hasText: 'running' }).waitFor();
    await page.getByTestId('usage-processes').filter({ hasText: /^[1-9]\d*$/ }).waitFor();
    assert.match(await page.getByTestId('usage-memory').innerText(), /\d(\.\d)? (KiB|MiB|GiB) proportional/);
    await page.getByLabel('Command', { exact: true }).fill('echo hello from the dashboard');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByTestId('exec-end').filter({ hasText: 'exit 0' }).waitFor();
    assert.equal(await page.getByTestId('exec-output').innerText(), 'hello from the dashboard\n');
    await page.getByLabel('Command', { exact: true }).fill('ls /no-such-dir-here');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByTestId('exec-end').filter({ hasText: /^exit [12]$/ }).waitFor();
    assert.match(await page.locator('[data-testid="exec-output"] .stderr').innerText(), /no-such-dir-here/);
    await shot(page, 'sandbox');
    // The last output is there again after a reload.
    await page.reload();
    await page.getByTestId('exec-output').filter({ hasText: 'no-such-dir-here' }).waitFor();
    await page.close();

    const reader = await newToken('reader');
    const rpage = await browser.context.newPage();
    await login(rpage, f.server.url, reader, `/ui/sandboxes/${sb.id}`);
    await rpage.getByTestId('sandbox-state').filter({ hasText: 'running' }).waitFor();
    await rpage.getByTestId('usage-processes').waitFor();
    assert.equal(await rpage.getByLabel('Command', { exact: true }).count(), 0);
    assert.deepEqual(await buttons(rpage), ['Log out']);
    const forged = await rpage.evaluate(async ([id, token]) => (await fetch(`/sandbox/api/v1/sandboxes/${id}/exec`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ command: ['id'] }) })).status, [sb.id, reader]);
    assert.equal(forged, 403);
    await rpage.close();
  } finally {
    await api(f.server, `/sandbox/api/v1/sandboxes/${sb.id}?force=true`, { method: 'DELETE' });
  }
});

test('on a system controller: accelerators with their requests, an alarm raised while the alarms page watches, the fleet; a reader sees no buttons', { timeout: 120_000 }, async () => {
  const sub = await startServer({ args: ['--modules', 'fm,edge'] });
  const ctl = await startServer({ args: ['--modules', 'fm,accel,edge,web', '--edge-role', 'controller', '--edge-audit-interval', '0.3', '--accel-drivers', 'fake'] });
  const CYBORG = { 'content-type': 'application/json', 'openstack-api-version': 'accelerator 2.3' };
  try {
    assert.equal((await api(ctl, '/accelerator/v2/device_profiles', { method: 'POST', headers: CYBORG, body: JSON.stringify([{ name: 'one-fpga', description: 'one FPGA', groups: [{ 'resources:FPGA': '1' }] }]) })).status, 201);
    const arq = await api(ctl, '/accelerator/v2/accelerator_requests', { method: 'POST', headers: CYBORG, body: JSON.stringify({ device_profile_name: 'one-fpga' }) });
    assert.equal(arq.status, 201, await arq.clone().text());
    const [request] = ((await arq.json()) as any).arqs;

    const page = await browser.context.newPage();
    await login(page, ctl.url, ctl.token, '/ui/accelerators');
    for (const name of ['Accelerators', 'Alarms', 'Fleet']) await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name }).waitFor();
    for (const name of ['Nodes', 'Gate', 'Site', 'Sandboxes']) assert.equal(await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name }).count(), 0, `${name} is not served here`);
    const device = page.getByTestId('devices').getByRole('row', { name: /FPGA/ });
    await device.getByTestId('device-status').filter({ hasText: 'enabled' }).waitFor();
    await page.getByTestId('deployables').getByTestId('deployable-use').filter({ hasText: '0 of 16' }).waitFor();
    await page.getByTestId('profiles').getByRole('row', { name: /one-fpga/ }).waitFor();
    const row = page.getByTestId('arqs').getByRole('row', { name: new RegExp(request.uuid.slice(0, 8)) });
    await row.getByTestId('arq-state').filter({ hasText: 'Initial' }).waitFor();
    await shot(page, 'accelerators');
    await device.getByRole('button', { name: 'disable' }).click();
    await page.getByRole('dialog', { name: 'Confirm disable' }).getByRole('button', { name: 'Confirm disable' }).click();
    await device.getByTestId('device-status').filter({ hasText: 'disabled' }).waitFor();
    await row.getByRole('button', { name: 'delete' }).click();
    await page.getByRole('dialog', { name: 'Confirm delete' }).getByRole('button', { name: 'Confirm delete' }).click();
    await row.waitFor({ state: 'detached' });
    assert.deepEqual(((await (await api(ctl, '/accelerator/v2/accelerator_requests', { headers: CYBORG })).json()) as any).arqs, []);

    // Alarms: none yet; a subcloud that never answers raises 280.001 while the page watches.
    await page.getByRole('link', { name: 'Alarms' }).click();
    await page.getByTestId('alarms').filter({ hasText: 'No active alarms.' }).waitFor();
    await page.getByTestId('alarm-status').filter({ hasText: /^OK$/ }).waitFor();
    const add = (name: string, endpoint: string, token: string) => api(ctl, '/dcmanager/v1.0/subclouds', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, endpoint, token }) });
    const deadPort = await freePort();
    assert.equal((await add('far', `http://127.0.0.1:${deadPort}`, 'no-such-token')).status, 200);
    assert.equal((await add('near', sub.url, sub.token)).status, 200);
    const alarm = page.getByTestId('alarms').getByRole('row', { name: /280\.001.*subcloud=far/ });
    await alarm.waitFor({ timeout: 30_000 });
    assert.match(await alarm.innerText(), /critical/);
    await page.getByTestId('count-critical').filter({ hasText: /^1$/ }).waitFor();
    await page.getByTestId('alarm-status').filter({ hasText: 'critical' }).waitFor();
    await page.getByTestId('events').getByRole('row', { name: /280\.001.*set.*subcloud=far/ }).waitFor();
    // Suppression of a suppressible id, from the page (280.x are not suppressible).
    const suppression = page.getByTestId('suppression').getByRole('row', { name: /600\.002/ });
    await suppression.getByRole('button', { name: 'suppress' }).click();
    await page.getByRole('dialog', { name: 'Confirm suppress' }).getByRole('button', { name: 'Confirm suppress' }).click();
    await page.getByTestId('suppression-600.002').filter({ hasText: /^suppressed$/ }).waitFor();
    await shot(page, 'alarms');

    // Fleet: near goes online; managed from the page, it comes in sync; far stays offline.
    await page.getByRole('link', { name: 'Fleet' }).click();
    await page.getByTestId('availability-near').filter({ hasText: 'online' }).waitFor({ timeout: 30_000 });
    await page.getByTestId('availability-far').filter({ hasText: 'offline' }).waitFor();
    await page.getByTestId('subclouds').getByRole('row', { name: /^near/ }).getByRole('button', { name: 'manage', exact: true }).click();
    await page.getByRole('dialog', { name: 'Confirm manage' }).getByRole('button', { name: 'Confirm manage' }).click();
    await page.getByTestId('management-near').filter({ hasText: /^managed$/ }).waitFor();
    await page.getByTestId('sync-near').filter({ hasText: 'in-sync' }).waitFor({ timeout: 30_000 });
    await shot(page, 'fleet');
    // The overview of the controller counts what the other pages showed.
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('overview-critical').filter({ hasText: 'critical: 1' }).waitFor();
    await page.getByTestId('count-devices').filter({ hasText: /^1$/ }).waitFor();
    await shot(page, 'overview');
    await page.close();

    // A reader of the controller sees all three pages and no button but "Log out"; forged admin actions are 403.
    const r = await api(ctl, '/auth/v1/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'reader', project: 'admin', name: 'fleet reader' }) });
    const reader = ((await r.json()) as any).token as string;
    const rpage = await browser.context.newPage();
    await login(rpage, ctl.url, reader, '/ui/alarms');
    await rpage.getByTestId('alarms').getByRole('row', { name: /280\.001/ }).waitFor();
    assert.deepEqual(await buttons(rpage), ['Log out']);
    await rpage.goto(ctl.url + '/ui/fleet');
    await rpage.getByTestId('availability-near').waitFor();
    assert.deepEqual(await buttons(rpage), ['Log out']);
    await rpage.goto(ctl.url + '/ui/accelerators');
    await rpage.getByTestId('device-status').waitFor();
    assert.deepEqual(await buttons(rpage), ['Log out']);
    const alarmUuid = ((await (await api(ctl, '/fm/v1/alarms?alarm_id=280.001')).json()) as any).alarms[0].uuid;
    const forged = await rpage.evaluate(async ([uuid, token]) => (await fetch(`/fm/v1/alarms/${uuid}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status, [alarmUuid, reader]);
    assert.equal(forged, 403);
    await rpage.close();
  } finally {
    await ctl.stop();
    await sub.stop();
  }
});

test('a server without fm, accel or edge shows none of their pages; a deep link to one says so; --modules metal serves no UI and its API', async () => {
  const metalOnly = await startServer({ args: ['--modules', 'metal'] });
  try {
    const ui = await fetch(metalOnly.url + '/ui/nodes');
    assert.ok(ui.status === 401 || ui.status === 404, `no shell without the web module (${ui.status})`);
    assert.doesNotMatch(ui.headers.get('content-type') ?? '', /html/);
    assert.equal((await api(metalOnly, '/baremetal/v1/nodes', { headers: IRONIC })).status, 200);
  } finally {
    await metalOnly.stop();
  }
  const s = await startServer({ args: ['--modules', 'metal,web'] });
  try {
    const page = await browser.context.newPage();
    await login(page, s.url, s.token, '/ui/alarms');
    await page.getByRole('alert').filter({ hasText: 'No page at /alarms' }).waitFor();
    const nav = await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts();
    assert.deepEqual(nav, ['Overview', 'Nodes']);
    assert.equal(await page.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(255, 255, 255)');
    await page.close();
    // The theme follows the system's: a browser that prefers dark gets the dark one.
    const dark = await launchBrowser({ colorScheme: 'dark' });
    try {
      const dpage = await dark.context.newPage();
      await login(dpage, s.url, s.token, '/ui/nodes');
      await dpage.getByTestId('link').filter({ hasText: 'live' }).waitFor();
      assert.equal(await dpage.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(13, 17, 23)');
      await shot(dpage, 'nodes-dark');
    } finally {
      await dark.close();
    }
  } finally {
    await s.stop();
  }
});
