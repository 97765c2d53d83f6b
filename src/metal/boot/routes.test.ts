import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { classify } from '../../core/index.js';
import { MemoryAgentNodes } from '../agent/testing.js';
import { BootImages } from './boot-images.js';
import { HttpBootStore } from './http-boot-store.js';
import { bootRoutes } from './routes.js';

const dir = mkdtempSync(join(tmpdir(), 'boot-routes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const UUID = 'c3b1c2d4-0000-4000-8000-000000000003';
const OTHER = 'c3b1c2d4-0000-4000-8000-000000000004';

async function app(maxBytes?: number) {
  const nodes = new MemoryAgentNodes();
  nodes.add({ uuid: UUID, macs: ['52:54:00:00:00:01'] });
  nodes.add({ uuid: OTHER, macs: ['52:54:00:00:00:02'] });
  const store = new HttpBootStore(mkdtempSync(join(dir, 'httpboot-')));
  store.write(UUID, '#!ipxe\necho mine\n');
  const images = new BootImages(mkdtempSync(join(dir, 'images-')), maxBytes);
  const a = Fastify();
  const configs: Record<string, unknown> = {};
  a.addHook('onRequest', async (req) => {
    configs[`${req.method} ${req.routeOptions.url}`] = req.routeOptions.config;
  });
  a.setErrorHandler((err, _req, reply) => {
    const e = classify(err);
    void reply.status(e.status).send({ message: e.message });
  });
  await a.register(bootRoutes({ store, images, nodes }), { prefix: '/baremetal' });
  return { a, configs, images };
}

test('the chain script points back at the server the client used', async () => {
  const { a, configs } = await app();
  const res = await a.inject({ url: '/baremetal/boot/boot.ipxe', headers: { host: '10.1.2.3:7070' } });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^text\/plain/);
  assert.match(res.body, /^chain http:\/\/10\.1\.2\.3:7070\/baremetal\/boot\/pxelinux\.cfg\/\$\{mac:hexhyp\} \|\| goto next_nic$/m);
  assert.equal((configs['GET /baremetal/boot/boot.ipxe'] as { public?: boolean }).public, true);
  assert.equal((await a.inject({ url: '/baremetal/boot/boot.ipxe', headers: { host: 'evil"\nhost' } })).statusCode, 400);
});

test('per-MAC scripts: only the owner\'s MAC gets it, in any spelling; nothing for a node without a prepared boot', async () => {
  const { a } = await app();
  for (const mac of ['52-54-00-00-00-01', '52:54:00:00:00:01', '01-52-54-00-00-00-01', '52-54-00-00-00-01'.toUpperCase()]) {
    const res = await a.inject({ url: `/baremetal/boot/pxelinux.cfg/${mac}` });
    assert.equal(res.statusCode, 200, mac);
    assert.equal(res.body, '#!ipxe\necho mine\n');
    assert.equal(res.headers['cache-control'], 'no-store');
  }
  assert.equal((await a.inject({ url: '/baremetal/boot/pxelinux.cfg/52-54-00-00-00-02' })).statusCode, 404);
  assert.equal((await a.inject({ url: '/baremetal/boot/pxelinux.cfg/52-54-00-00-00-09' })).statusCode, 404);
  assert.equal((await a.inject({ url: `/baremetal/boot/pxelinux.cfg/${UUID}` })).statusCode, 400);
});

test('boot images: admins upload (streamed, atomic), anyone fetches, readers list', async () => {
  const { a, configs } = await app(1024);
  const body = Buffer.alloc(600, 7);
  const put = await a.inject({ method: 'PUT', url: '/baremetal/boot/images/deploy.kernel', payload: body, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(put.statusCode, 201, put.body);
  assert.equal(put.json().size, 600);
  assert.equal((configs['PUT /baremetal/boot/images/:name'] as { role?: string }).role, 'admin');

  const got = await a.inject({ url: '/baremetal/boot/images/deploy.kernel' });
  assert.equal(got.statusCode, 200);
  assert.equal(got.headers['content-length'], '600');
  assert.deepEqual(got.rawPayload, body);
  assert.equal((configs['GET /baremetal/boot/images/:name'] as { public?: boolean }).public, true);
  const head = await a.inject({ method: 'HEAD', url: '/baremetal/boot/images/deploy.kernel' });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-length'], '600');

  const list = await a.inject({ url: '/baremetal/boot/images' });
  assert.deepEqual(list.json().images.map((i: { name: string; size: number }) => [i.name, i.size]), [['deploy.kernel', 600]]);
  assert.notEqual((configs['GET /baremetal/boot/images'] as { public?: boolean } | undefined)?.public, true);

  const tooBig = await a.inject({ method: 'PUT', url: '/baremetal/boot/images/deploy.kernel', payload: Buffer.alloc(2000), headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(tooBig.statusCode, 413);
  assert.equal((await a.inject({ url: '/baremetal/boot/images/deploy.kernel' })).rawPayload.length, 600, 'a failed upload keeps the old image');

  const json = await a.inject({ method: 'PUT', url: '/baremetal/boot/images/x', payload: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(json.statusCode, 400);
  assert.match(json.json().message, /application\/octet-stream/);
  assert.equal((await a.inject({ url: '/baremetal/boot/images/.hidden' })).statusCode, 400);
  assert.equal((await a.inject({ url: '/baremetal/boot/images/nope' })).statusCode, 404);
  assert.equal((await a.inject({ method: 'DELETE', url: '/baremetal/boot/images/deploy.kernel' })).statusCode, 204);
  assert.equal((await a.inject({ url: '/baremetal/boot/images/deploy.kernel' })).statusCode, 404);
});
