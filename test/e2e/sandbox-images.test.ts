// Images: an OCI image layout and a `docker save` tarball, both made with
// Debian's tar here, run as sandbox roots (layers in order, whiteouts
// applied, the config's environment and working directory used); a
// directory image; the built-in busybox image's applets.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SandboxManager } from '../../src/sandbox/index.js';
import { closeTestEnv, openTestManager, type TestEnv } from './sandbox-helpers.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('sandbox images', () => {
  let env: TestEnv;
  const ids: string[] = [];
  let busyboxRoot: string;
  let layerBase: Buffer;
  let layerTop: Buffer;
  let config: Buffer;

  /** A layer: the tree under dir, tarred by tar. */
  function tarDir(dir: string, out: string): Buffer {
    execFileSync('tar', ['--numeric-owner', '-C', dir, '-cf', out, '.']);
    return execFileSync('cat', [out], { maxBuffer: 64 << 20 });
  }

  before(async () => {
    env = await openTestManager();
    // the base layer is the built-in busybox image (so the image has a shell)
    const probe = await env.manager.create({ runtime: 'namespaces' });
    await probe.destroy();
    const images = join(env.manager.cacheDir, 'images', 'busybox');
    busyboxRoot = join(images, (await readdir(images)).find((d) => !d.includes('.tmp'))!, 'rootfs');
    const base = join(env.scratch, 'base');
    await cp(busyboxRoot, base, { recursive: true, verbatimSymlinks: true });
    await mkdir(join(base, 'opt/app'), { recursive: true });
    await writeFile(join(base, 'opt/app/old.txt'), 'from the base layer\n');
    await writeFile(join(base, 'etc/motd'), 'base motd\n');
    layerBase = tarDir(base, join(env.scratch, 'base.tar'));
    const top = join(env.scratch, 'top');
    await mkdir(join(top, 'opt/app'), { recursive: true });
    await writeFile(join(top, 'opt/app/new.txt'), 'from the top layer\n');
    await writeFile(join(top, 'opt/app/.wh.old.txt'), '');
    await mkdir(join(top, 'etc'), { recursive: true });
    await writeFile(join(top, 'etc/.wh.motd'), '');
    layerTop = tarDir(top, join(env.scratch, 'top.tar'));
    config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=from-image-config'], WorkingDir: '/opt/app' },
        rootfs: { type: 'layers', diff_ids: [sha(layerBase), sha(layerTop)] },
      }),
    );
  });

  after(async () => {
    if (env) await closeTestEnv(env, ids);
  });

  async function check(image: string, runtime = 'namespaces'): Promise<void> {
    const sb = await env.manager.create({ runtime, image });
    ids.push(sb.id);
    const r = await sb.run(['sh', '-c', 'pwd; echo $GREETING; ls; cat new.txt; test -e /etc/motd && echo motd-still-there; true']);
    assert.equal(r.exitCode, 0, r.stderr.toString());
    assert.equal(r.stdout.toString(), '/opt/app\nfrom-image-config\nnew.txt\nfrom the top layer\n');
    assert.match(sb.info().image.digest, /^sha256:[0-9a-f]{64}$/);
    await sb.destroy();
  }

  it('runs an OCI image layout tarball (gzip and plain layers, whiteouts, config)', async () => {
    const layout = join(env.scratch, 'oci-layout');
    const blobs = join(layout, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const gz = execFileSync('gzip', ['-c', join(env.scratch, 'base.tar')], { maxBuffer: 64 << 20 });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
        layers: [
          { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(gz), size: gz.length },
          { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layerTop), size: layerTop.length },
        ],
      }),
    );
    for (const b of [gz, layerTop, config, manifest]) await writeFile(join(blobs, sha(b).slice(7)), b);
    await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(
      join(layout, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'demo' } }] }),
    );
    const archive = join(env.scratch, 'oci.tar');
    execFileSync('tar', ['-C', layout, '-cf', archive, '.']);
    await check(`oci-archive:${archive}:demo`);
    await check(archive, 'runc');
  });

  it('runs a docker save tarball, and refuses one whose layer does not match its diff_id', async () => {
    const dir = join(env.scratch, 'docker-save');
    await mkdir(join(dir, 'l1'), { recursive: true });
    await mkdir(join(dir, 'l2'), { recursive: true });
    await writeFile(join(dir, 'l1', 'layer.tar'), layerBase);
    await writeFile(join(dir, 'l2', 'layer.tar'), layerTop);
    const configName = `${sha(config).slice(7)}.json`;
    await writeFile(join(dir, configName), config);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: ['demo:latest'], Layers: ['l1/layer.tar', 'l2/layer.tar'] }]));
    const archive = join(env.scratch, 'docker.tar');
    execFileSync('tar', ['-C', dir, '-cf', archive, '.']);
    await check(archive);
    // swap the layers' contents: the digests no longer match the config
    await writeFile(join(dir, 'l2', 'layer.tar'), layerBase);
    await writeFile(join(dir, 'l1', 'layer.tar'), layerTop);
    execFileSync('tar', ['-C', dir, '-cf', archive, '.']);
    // a fresh cache key: the config is unchanged, so use a new cache dir for this archive
    const again = await SandboxManager.open({ stateDir: join(env.stateDir, 'second'), cacheDir: join(env.scratch, 'cache2'), log: { info() {}, warn() {} } });
    await assert.rejects(again.create({ runtime: 'namespaces', image: archive }), (err: Error & { code?: string }) => err.code === 'image_invalid' && /digest mismatch/.test(err.message));
    await rm(join(env.scratch, 'cache2'), { recursive: true, force: true });
  });

  it('runs a directory image as is, never writing to it', async () => {
    const root = join(env.scratch, 'dir-image');
    await cp(busyboxRoot, root, { recursive: true, verbatimSymlinks: true });
    await writeFile(join(root, 'etc/identity'), 'directory image\n');
    const sb = await env.manager.create({ runtime: 'namespaces', image: `dir:${root}`, mounts: [{ source: env.scratch, target: '/new/mount/point' }] });
    ids.push(sb.id);
    const r = await sb.run(['sh', '-c', 'cat /etc/identity; ls -d /new/mount/point']);
    assert.equal(r.stdout.toString(), 'directory image\n/new/mount/point\n');
    await sb.destroy();
    // the mount point was made in the sandbox's overlay, not in the image
    assert.equal(await readFile(join(root, 'etc/identity'), 'utf8'), 'directory image\n');
    assert.throws(() => execFileSync('test', ['-e', join(root, 'new')]));
  });

  it('the built-in image has busybox applets at their usual paths', async () => {
    const sb = await env.manager.create({ runtime: 'namespaces' });
    ids.push(sb.id);
    const r = await sb.run(['sh', '-c', 'for a in sh cat wget tar ls ps; do command -v $a; done']);
    assert.equal(r.stdout.toString().trim().split('\n').length, 6, r.stdout.toString());
    await sb.destroy();
  });
});
