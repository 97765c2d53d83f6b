/**
 * Deckhand's own functional tests (the gabbi files in
 * ../shared/fixtures/deckhand-gabbits) against `/deckhand/api/v1.0` of a
 * real `strata server`, on SQLite and on PostgreSQL: one test per gabbi
 * test case, in file order, each file starting from an empty store (each
 * begins with `DELETE /revisions`, as in Deckhand's suite). As in
 * Deckhand's runner, `<@resources/…` data is read from the suite's
 * resources directory and the server runs without authentication.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FIXTURES, startServer, type StrataServer } from '../helpers/strata.js';
import { startPostgres, type PostgresCluster } from '../../src/core/testing/index.js';
import { GabbiSession, describeFailure, loadGabbiFile, type GabbiSuite } from '../gabbi/index.js';

const GABBITS = join(FIXTURES, 'deckhand-gabbits');

function gabbiFiles(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(GABBITS).sort()) {
    const path = join(GABBITS, dir);
    if (dir === 'resources' || !statSync(path).isDirectory()) continue;
    for (const f of readdirSync(path).sort()) if (f.endsWith('.yaml')) out.push(join(path, f));
  }
  return out;
}

const suites: GabbiSuite[] = gabbiFiles().map(loadGabbiFile);

test('the fixture holds Deckhand’s functional suite', () => {
  assert.ok(suites.length >= 26, `expected Deckhand's 26 gabbi files, found ${suites.length}`);
  assert.ok(suites.reduce((n, s) => n + s.tests.length, 0) >= 200);
});

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`Deckhand gabbi suite on ${dialect}`, () => {
    let server: StrataServer | undefined;
    let pg: PostgresCluster | undefined;
    before(async () => {
      const args = ['--noauth'];
      if (dialect === 'postgres') {
        pg = await startPostgres();
        args.push('--database', pg.url);
      }
      server = await startServer({ args });
    });
    after(async () => {
      await server?.stop();
      pg?.stop();
    });

    for (const suite of suites) {
      describe(relative(GABBITS, suite.file), () => {
        let session: GabbiSession;
        before(() => {
          session = new GabbiSession(suite, { baseUrl: server!.url, prefix: '/deckhand', dataDir: () => GABBITS });
        });
        for (const t of suite.tests) {
          test(t.name, async (ctx) => {
            const r = await session.run(t);
            if (r.outcome === 'skip') return ctx.skip(`skip in the gabbi file: ${r.error}`);
            if (r.outcome === 'xfail') return ctx.diagnostic(`failed as the gabbi file expects (xfail): ${describeFailure(r)}`);
            assert.equal(r.outcome, 'pass', describeFailure(r));
            assert.ok(r.assertions.length > 0, 'every test asserts at least its status');
          });
        }
      });
    }
  });
}

test('with authentication on, the same API answers 401 in Deckhand’s format without a token', async () => {
  const server = await startServer();
  try {
    const res = await fetch(`${server.url}/deckhand/api/v1.0/revisions`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('content-type'), 'application/x-yaml');
    const body = await res.text();
    assert.match(body, /^apiVersion: v1\.0\ncode: 401 Unauthorized\n/);
    assert.match(body, /kind: Status/);
    const ok = await fetch(`${server.url}/deckhand/api/v1.0/revisions`, { headers: { authorization: `Bearer ${server.token}` } });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'count: 0\nresults: []\n');
  } finally {
    await server.stop();
  }
});
