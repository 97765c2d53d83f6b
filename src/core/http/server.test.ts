import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { storesUnderTest } from '../testing/index.js';
import { silentLogger } from '../logging.js';
import { TokenService } from '../auth/index.js';
import { createMetrics } from '../metrics.js';
import { createHttpServer } from './server.js';
import { tokenRoutes } from './token-routes.js';
import { ConflictError } from '../errors/index.js';

const stores = storesUnderTest();
after(() => stores.close());

async function build(noauth = false) {
  const store = await stores.sqlite();
  const tokens = new TokenService(store);
  const app = createHttpServer({ log: silentLogger(), tokens, noauth, metrics: createMetrics(), bodyLimit: 1024, health: async () => ({ store: 'sqlite' }) });
  await app.register(tokenRoutes(tokens), { prefix: '/auth/v1' });
  await app.register(
    async (m) => {
      m.get('/things', async (req) => ({ project: req.principal.project }));
      m.post('/things', async (req) => ({ got: req.body }));
      m.post('/conflict', async () => {
        throw new ConflictError('node locked by conductor c1');
      });
      m.get('/boom', async () => {
        throw new Error('secret internals');
      });
    },
    { prefix: '/mod' },
  );
  await app.ready();
  return { app, tokens };
}

describe('http server', () => {
  let app: FastifyInstance;
  let tokens: TokenService;
  const tok: Record<string, string> = {};
  before(async () => {
    ({ app, tokens } = await build());
    for (const role of ['admin', 'member', 'reader'] as const) tok[role] = (await tokens.create({ role, project: 'p1' })).token;
  });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  test('/healthz is public', async () => {
    const r = await app.inject({ url: '/healthz' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().status, 'ok');
  });

  test('no token: 401; a bad token: 401', async () => {
    assert.equal((await app.inject({ url: '/mod/things' })).statusCode, 401);
    assert.equal((await app.inject({ url: '/mod/things', headers: bearer('strata_nope') })).statusCode, 401);
    assert.equal((await app.inject({ url: '/metrics' })).statusCode, 401);
  });

  test('tokens work as Bearer, X-Auth-Token and HTTP basic password', async () => {
    for (const headers of [bearer(tok.reader!), { 'x-auth-token': tok.reader! }, { authorization: `Basic ${Buffer.from(`any:${tok.reader}`).toString('base64')}` }]) {
      const r = await app.inject({ url: '/mod/things', headers });
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json(), { project: 'p1' });
    }
  });

  test('reader may read but not write (403); member may write', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/mod/things', headers: bearer(tok.reader!), payload: {} })).statusCode, 403);
    assert.equal((await app.inject({ method: 'POST', url: '/mod/things', headers: bearer(tok.member!), payload: { a: 1 } })).statusCode, 200);
  });

  test('token administration needs admin', async () => {
    const body = { role: 'reader', project: 'p2' };
    assert.equal((await app.inject({ method: 'POST', url: '/auth/v1/tokens', headers: bearer(tok.member!), payload: body })).statusCode, 403);
    const r = await app.inject({ method: 'POST', url: '/auth/v1/tokens', headers: bearer(tok.admin!), payload: body });
    assert.equal(r.statusCode, 201);
    assert.match(r.json().token, /^strata_/);
    const list = await app.inject({ url: '/auth/v1/tokens', headers: bearer(tok.admin!) });
    assert.ok(!list.body.includes('strata_'), 'listings never carry token values');
  });

  test('a revoked token stops working at once', async () => {
    const { token, info } = await tokens.create({ role: 'reader', project: 'p1' });
    assert.equal((await app.inject({ url: '/mod/things', headers: bearer(token) })).statusCode, 200);
    await app.inject({ method: 'DELETE', url: `/auth/v1/tokens/${info.id}`, headers: bearer(tok.admin!) });
    assert.equal((await app.inject({ url: '/mod/things', headers: bearer(token) })).statusCode, 401);
  });

  test('bad input gets 4xx with a reason, never 500', async () => {
    const h = { ...bearer(tok.admin!), 'content-type': 'application/json' };
    const malformed = await app.inject({ method: 'POST', url: '/mod/things', headers: h, payload: '{"a":' });
    assert.equal(malformed.statusCode, 400);
    assert.match(malformed.json().error.message, /malformed JSON/);
    const huge = await app.inject({ method: 'POST', url: '/mod/things', headers: h, payload: JSON.stringify({ a: 'x'.repeat(5000) }) });
    assert.equal(huge.statusCode, 413);
    const wrongType = await app.inject({ method: 'POST', url: '/auth/v1/tokens', headers: h, payload: { role: 'root', project: 'p' } });
    assert.equal(wrongType.statusCode, 400);
    assert.match(wrongType.json().error.message, /role/);
    const conflict = await app.inject({ method: 'POST', url: '/mod/conflict', headers: h, payload: {} });
    assert.equal(conflict.statusCode, 409);
    assert.equal(conflict.json().error.message, 'node locked by conductor c1');
    assert.equal((await app.inject({ url: '/nowhere', headers: h })).statusCode, 404);
  });

  test('unexpected errors answer 500 without internals', async () => {
    const r = await app.inject({ url: '/mod/boom', headers: bearer(tok.admin!) });
    assert.equal(r.statusCode, 500);
    assert.ok(!r.body.includes('secret internals'));
  });

  test('/metrics serves the Prometheus text format', async () => {
    const r = await app.inject({ url: '/metrics', headers: bearer(tok.reader!) });
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] as string, /text\/plain/);
    assert.match(r.body, /strata_http_request_duration_seconds_bucket/);
  });
});

test('noauth makes every caller an admin (the server allows it only on loopback)', async () => {
  const { app } = await build(true);
  const r = await app.inject({ method: 'POST', url: '/mod/things', payload: { a: 1 } });
  assert.equal(r.statusCode, 200);
});
