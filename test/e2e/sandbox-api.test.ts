// The sandbox HTTP API against a real server, on the process and
// namespaces runtimes: create, list, show, exec with streamed output (stdout
// and stderr apart, exit codes, env, cwd, stdin, signals, timeouts, several
// execs at once, a client that goes away), files in and out as tar and as
// single files, remove; project scoping and admin-only host paths; bad
// input answered 4xx with a clear message; nothing left on the host.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { api, startServer, type StrataServer } from '../helpers/strata.js';
import { assertNoLeaks, type TestEnv } from './sandbox-helpers.js';
import { ApiClient } from '../../src/core/cli/index.js';
import { decodeFrames, streamExec, type ExecFrame, type ExecOutcome, type StartedFrame } from '../../src/sandbox/api/index.js';
import { extractTar, tarStream, type TarEntry } from '../../src/core/tar/index.js';

const API = '/sandbox/api/v1';

let server: StrataServer;
let scratch: string;
const tokens: Record<'admin' | 'memberA' | 'memberB' | 'readerA', string> = { admin: '', memberA: '', memberB: '', readerA: '' };
const localIds: string[] = [];

before(async () => {
  server = await startServer();
  scratch = await mkdtemp(join(tmpdir(), 'strata-sbx-api-'));
  tokens.admin = server.token;
  for (const [key, role, project] of [
    ['memberA', 'member', 'alpha'],
    ['memberB', 'member', 'beta'],
    ['readerA', 'reader', 'alpha'],
  ] as const) {
    const r = await api(server, '/auth/v1/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role, project, name: key }) });
    assert.equal(r.status, 201);
    tokens[key] = ((await r.json()) as { token: string }).token;
  }
});

after(async () => {
  try {
    // everything the tests made is removed by now: nothing may be left on the host
    const left = (await (await call('admin', 'GET', '/sandboxes')).json()) as { sandboxes: unknown[] };
    assert.deepEqual(left.sandboxes, []);
    await assertNoLeaks({ stateDir: join(server.dataDir, 'sandbox') } as TestEnv, localIds);
    assert.deepEqual(await readdir(join(server.dataDir, 'sandbox', 'transfers')), [], 'no staged copy is left');
  } finally {
    await server?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
});

function call(who: keyof typeof tokens, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const init: RequestInit & { duplex?: string } = { method, headers: { authorization: `Bearer ${tokens[who]}`, ...headers } };
  if (body instanceof Readable) {
    init.body = Readable.toWeb(body) as unknown as ReadableStream;
    init.duplex = 'half';
  } else if (Buffer.isBuffer(body)) init.body = body;
  else if (typeof body === 'string') init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  return fetch(`${server.url}${API}${path}`, init);
}

async function errorOf(r: Response, status: number): Promise<string> {
  const text = await r.text();
  assert.equal(r.status, status, text);
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  assert.equal(typeof body.error.message, 'string');
  return `${body.error.code}: ${body.error.message}`;
}

function client(who: keyof typeof tokens): ApiClient {
  return new ApiClient(server.url, tokens[who]);
}

interface Ran extends ExecOutcome {
  stdout: string;
  stderr: string;
}

/** Runs an exec through the real client code, collecting its output. */
async function run(who: keyof typeof tokens, path: string, body: Record<string, unknown>, stdin?: Buffer | string, onStarted?: Parameters<typeof streamExec>[1]['onStarted']): Promise<Ran> {
  const out = new PassThrough();
  const err = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  out.on('data', (c: Buffer) => o.push(c));
  err.on('data', (c: Buffer) => e.push(c));
  const r = await streamExec(client(who), {
    path: `${API}${path}`,
    body: { ...body, ...(stdin !== undefined ? { stdin: true } : {}) },
    stdout: out,
    stderr: err,
    stdin: stdin === undefined ? undefined : Readable.from([Buffer.from(stdin)]),
    onStarted,
  });
  return { ...r, stdout: Buffer.concat(o).toString(), stderr: Buffer.concat(e).toString() };
}

/** Starts an exec; `started` resolves with its ids once the command runs, `done` at its end. */
function startRun(who: keyof typeof tokens, path: string, body: Record<string, unknown>): { started: Promise<StartedFrame>; done: Promise<Ran> } {
  let resolveStarted!: (f: StartedFrame) => void;
  const started = new Promise<StartedFrame>((r) => (resolveStarted = r));
  const done = run(who, path, body, undefined, (f) => resolveStarted(f));
  void done.then((r) => {
    if (!r.started) resolveStarted(Promise.reject(new Error(`the exec never started: ${JSON.stringify(r)}`)) as never);
  });
  return { started, done };
}

async function localIdOf(id: string): Promise<string> {
  const v = (await (await call('admin', 'GET', `/sandboxes/${id}`)).json()) as { localId: string };
  return v.localId;
}

function runtimeSuite(runtime: 'process' | 'namespaces', who: keyof typeof tokens): void {
  describe(`${runtime} sandboxes through the API`, () => {
    let id: string;
    let root: string;

    before(async () => {
      root = runtime === 'process' ? await mkdtemp(join(scratch, 'root-')) : '/tmp';
      const r = await call(who, 'POST', '/sandboxes', { runtime, env: { FROM_SPEC: 'spec' } });
      const text = await r.text();
      assert.equal(r.status, 201, text);
      id = JSON.parse(text).id;
      assert.equal(r.headers.get('location'), `${API}/sandboxes/${id}`);
      localIds.push(await localIdOf(id));
    });

    it('shows and lists the sandbox, running, under its creator\'s project', async () => {
      const v = (await (await call(who, 'GET', `/sandboxes/${id}`)).json()) as Record<string, unknown>;
      assert.match(id, /^[a-z2-7]{24}$/);
      assert.equal(v.state, 'running');
      assert.equal(v.runtime, runtime);
      assert.equal(v.project, who === 'admin' ? 'admin' : 'alpha');
      assert.deepEqual((v.spec as { envNames: string[] }).envNames, ['FROM_SPEC'], 'environment values are not stored or shown');
      assert.ok(Array.isArray(v.limits));
      const list = (await (await call(who, 'GET', '/sandboxes')).json()) as { sandboxes: Array<{ id: string }> };
      assert.ok(list.sandboxes.some((s) => s.id === id));
    });

    it('streams stdout and stderr as separate frames, then the exit frame', async () => {
      const r = await call(who, 'POST', `/sandboxes/${id}/exec`, { command: ['sh', '-c', 'echo one; echo two >&2; printf "\\000\\377"; exit 3'] });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), 'application/x-ndjson');
      const frames: ExecFrame[] = [];
      for await (const f of decodeFrames(r.body as unknown as AsyncIterable<Uint8Array>)) frames.push(f);
      const first = frames[0] as { sandbox: string; exec: string; pid: number };
      assert.equal(first.sandbox, id);
      assert.match(first.exec, /^[a-z2-7]{24}$/);
      assert.equal(r.headers.get('x-strata-exec'), first.exec);
      const last = frames.at(-1) as { exit: number; signal: null; timedOut: boolean };
      assert.deepEqual([last.exit, last.signal, last.timedOut], [3, null, false]);
      const bytes = (s: string) => Buffer.concat(frames.filter((f) => 'stream' in f && f.stream === s).map((f) => Buffer.from((f as { data: string }).data, 'base64')));
      assert.deepEqual(bytes('stdout'), Buffer.concat([Buffer.from('one\n'), Buffer.from([0, 255])]));
      assert.equal(bytes('stderr').toString(), 'two\n');
    });

    it('passes the spec\'s and the exec\'s environment and the working directory, nothing of the host', async () => {
      process.env.STRATA_HOST_ONLY = 'leak';
      try {
        const r = await run(who, `/sandboxes/${id}/exec`, { command: ['sh', '-c', 'echo "$FROM_SPEC $FROM_EXEC ${STRATA_HOST_ONLY:-unset} $(pwd)"'], env: { FROM_EXEC: 'exec' }, cwd: root });
        assert.equal(r.stdout, `spec exec unset ${root}\n`);
        assert.equal(r.status, 0);
      } finally {
        delete process.env.STRATA_HOST_ONLY;
      }
    });

    it('feeds stdin through the stdin endpoint, large input included, and closes it', async () => {
      const big = Buffer.alloc(2 * 1024 * 1024 + 17, 'x');
      const r = await run(who, `/sandboxes/${id}/exec`, { command: ['sh', '-c', 'wc -c; echo done'] }, big);
      assert.equal(r.stdout.trim().split(/\s+/).join(' '), `${big.length} done`);
      const empty = await run(who, `/sandboxes/${id}/exec`, { command: ['cat'] });
      assert.deepEqual([empty.status, empty.stdout], [0, ''], 'without "stdin": true the command reads end-of-file');
    });

    it('answers a missing command with 127 and a missing working directory with 126, on stderr, like a shell', async () => {
      const missing = await run(who, `/sandboxes/${id}/exec`, { command: ['no-such-command-xyz', 'arg'] });
      assert.equal(missing.status, 127);
      assert.equal(missing.exit?.reason, 'command_not_found');
      assert.equal(missing.stderr, 'strata: no-such-command-xyz: command not found\n');
      assert.equal(missing.stdout, '');
      const cwd = await run(who, `/sandboxes/${id}/exec`, { command: ['pwd'], cwd: `${root}/no/such/dir` });
      assert.equal(cwd.status, 126);
      assert.match(cwd.stderr, /^strata: .*no\/such\/dir/);
      assert.equal((await run(who, `/sandboxes/${id}/exec`, { command: ['true'] })).status, 0, 'the sandbox is still fine');
    });

    it('kills a command and its children at the exec timeout', async () => {
      const r = await run(who, `/sandboxes/${id}/exec`, { command: ['sh', '-c', 'sleep 100 & sleep 100; echo never'], timeout: '700ms' });
      assert.equal(r.exit?.timedOut, true);
      assert.equal(r.exit?.signal, 'SIGKILL');
      assert.equal(r.status, 124);
      assert.equal(r.stdout, '');
    });

    it('delivers signals to the running command', async () => {
      let sent = false;
      const r = await run(who, `/sandboxes/${id}/exec`, { command: ['sh', '-c', 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.1; done'] }, undefined, (_f, control) => {
        setTimeout(() => {
          sent = true;
          void control.signal('SIGTERM');
        }, 500);
      });
      assert.ok(sent);
      assert.equal(r.status, 42);
      assert.equal(r.stdout, 'ready\ngot-term\n');
      const killed = await run(who, `/sandboxes/${id}/exec`, { command: ['sh', '-c', 'kill -KILL $$'] });
      assert.deepEqual([killed.exit?.exit, killed.exit?.signal, killed.status], [null, 'SIGKILL', 137]);
    });

    it('runs several execs at once in the one sandbox', async () => {
      const flag = `${root}/flag-${Date.now()}`;
      // the first can only finish once the second has run: they overlap or the test hangs
      const waiter = run(who, `/sandboxes/${id}/exec`, { command: ['sh', '-c', `while [ ! -e ${flag} ]; do sleep 0.05; done; echo waited`] });
      const others = [1, 2, 3].map((i) => run(who, `/sandboxes/${id}/exec`, { command: ['sh', '-c', `echo out-${i}; echo err-${i} >&2; exit ${i}`] }));
      const toucher = run(who, `/sandboxes/${id}/exec`, { command: ['touch', flag] });
      const [w, t, ...rest] = await Promise.all([waiter, toucher, ...others]);
      assert.equal(w.stdout, 'waited\n');
      assert.equal(t.status, 0);
      rest.forEach((r, i) => assert.deepEqual([r.status, r.stdout, r.stderr], [i + 1, `out-${i + 1}\n`, `err-${i + 1}\n`]));
    });

    it('copies a tree (tar) and a file (raw) in and out', async () => {
      const file = (path: string, content: string | Buffer, mode = 0o644): TarEntry => {
        const data = Buffer.from(content);
        return { path, type: 'file', mode, size: data.length, content: async function* () { yield data; } };
      };
      const tar = Readable.from(
        tarStream([{ path: 'tree', type: 'dir', mode: 0o755 }, file('tree/a.txt', 'alpha\n'), file('tree/sub/b.bin', Buffer.alloc(300_000, 7)), file('tree/run.sh', '#!/bin/sh\necho ran\n', 0o755)]),
      );
      const put = await call(who, 'PUT', `/sandboxes/${id}/files?path=${encodeURIComponent(`${root}/in`)}`, tar, { 'content-type': 'application/x-tar' });
      assert.equal(put.status, 200, await put.clone().text());
      assert.deepEqual(await put.json(), { path: `${root}/in`, entries: 4, bytes: 300_000 + 6 + 19 });
      const check = await run(who, `/sandboxes/${id}/exec`, { command: ['sh', '-c', `cat ${root}/in/tree/a.txt; wc -c < ${root}/in/tree/sub/b.bin; ${root}/in/tree/run.sh`] });
      assert.equal(check.stdout.replace(/ +/g, ''), 'alpha\n300000\nran\n');

      const raw = await call(who, 'PUT', `/sandboxes/${id}/files?path=${encodeURIComponent(`${root}/in/single.txt`)}&mode=0600`, Buffer.from('just one\n'), { 'content-type': 'application/octet-stream' });
      assert.equal(raw.status, 200);
      assert.equal((await run(who, `/sandboxes/${id}/exec`, { command: ['sh', '-c', `cat ${root}/in/single.txt; stat -c %a ${root}/in/single.txt`] })).stdout, 'just one\n600\n');

      const out = await call(who, 'GET', `/sandboxes/${id}/files?path=${encodeURIComponent(`${root}/in/tree`)}`);
      assert.equal(out.status, 200);
      assert.equal(out.headers.get('content-type'), 'application/x-tar');
      assert.equal(out.headers.get('x-strata-file-type'), 'directory');
      const dest = await mkdtemp(join(scratch, 'out-'));
      const r = await extractTar(out.body as unknown as AsyncIterable<Uint8Array>, dest);
      assert.deepEqual(r.topLevel, ['tree']);
      assert.equal(await readFile(join(dest, 'tree', 'a.txt'), 'utf8'), 'alpha\n');
      assert.deepEqual(await readFile(join(dest, 'tree', 'sub', 'b.bin')), Buffer.alloc(300_000, 7));
      // GNU tar reads what the API sends
      const listing = execFileSync('tar', ['-t'], { input: Buffer.from(await (await call(who, 'GET', `/sandboxes/${id}/files?path=${encodeURIComponent(`${root}/in/tree`)}`)).arrayBuffer()) }).toString();
      assert.deepEqual(listing.trim().split('\n').sort(), ['tree/', 'tree/a.txt', 'tree/run.sh', 'tree/sub/', 'tree/sub/b.bin']);

      const one = await call(who, 'GET', `/sandboxes/${id}/files?path=${encodeURIComponent(`${root}/in/tree/a.txt`)}&format=file`);
      assert.equal(one.headers.get('content-length'), '6');
      assert.equal(await one.text(), 'alpha\n');
      assert.match(await errorOf(await call(who, 'GET', `/sandboxes/${id}/files?path=${encodeURIComponent(`${root}/in/tree`)}&format=file`), 400), /is a directory: ask for it as a tar archive/);
      assert.match(await errorOf(await call(who, 'GET', `/sandboxes/${id}/files?path=${encodeURIComponent(`${root}/nothing-here`)}`), 404), /^copy_failed: .*nothing-here/);
      assert.match(await errorOf(await call(who, 'GET', `/sandboxes/${id}/files?path=relative/path`), 400), /must be an absolute path/);
      // a corrupt upload is refused and leaves nothing
      const bad = await call(who, 'PUT', `/sandboxes/${id}/files?path=${encodeURIComponent(`${root}/bad`)}`, Buffer.alloc(1024, 'z'), { 'content-type': 'application/x-tar' });
      assert.match(await errorOf(bad, 400), /not a tar archive/);
      const evil = Readable.from(tarStream([file('../escape', 'x')]));
      assert.match(await errorOf(await call(who, 'PUT', `/sandboxes/${id}/files?path=${encodeURIComponent(`${root}/in`)}`, evil, { 'content-type': 'application/x-tar' }), 400), /".." is not allowed/);
    });

    it('kills the command of a client that goes away mid-exec', async () => {
      const ac = new AbortController();
      const marker = `${root}/gone-${Date.now()}`;
      const r = await fetch(`${server.url}${API}/sandboxes/${id}/exec`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ command: ['sh', '-c', `echo $$ > ${marker}; echo started; exec sleep 1000`] }),
        signal: ac.signal,
      });
      const reader = r.body!.getReader();
      let seen = '';
      while (!seen.includes('"stream"')) seen += Buffer.from((await reader.read()).value!).toString();
      ac.abort();
      const pid = (await run(who, `/sandboxes/${id}/exec`, { command: ['cat', marker] })).stdout.trim();
      let alive = 0;
      for (let i = 0; i < 100; i++) {
        alive = (await run(who, `/sandboxes/${id}/exec`, { command: ['kill', '-0', pid] })).status;
        if (alive !== 0) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      assert.notEqual(alive, 0, `the command (pid ${pid}) was killed`);
    });

    it('removes the sandbox: 204, then it is gone', async () => {
      const r = await call(who, 'DELETE', `/sandboxes/${id}`);
      assert.equal(r.status, 204);
      assert.match(await errorOf(await call(who, 'GET', `/sandboxes/${id}`), 404), /^not_found: no sandbox/);
      assert.match(await errorOf(await call(who, 'POST', `/sandboxes/${id}/exec`, { command: ['true'] }), 404), /no sandbox/);
    });
  });
}

runtimeSuite('process', 'admin');
runtimeSuite('namespaces', 'memberA');

describe('projects and roles', () => {
  let id: string;
  before(async () => {
    const r = await call('memberA', 'POST', '/sandboxes', { runtime: 'namespaces' });
    assert.equal(r.status, 201);
    id = ((await r.json()) as { id: string }).id;
    localIds.push(await localIdOf(id));
  });
  after(async () => {
    if (id) await call('memberA', 'DELETE', `/sandboxes/${id}`);
  });

  it('another project neither sees, execs in, copies from nor removes the sandbox', async () => {
    const list = (await (await call('memberB', 'GET', '/sandboxes')).json()) as { sandboxes: unknown[] };
    assert.deepEqual(list.sandboxes, []);
    assert.match(await errorOf(await call('memberB', 'GET', `/sandboxes/${id}`), 404), /no sandbox/);
    assert.match(await errorOf(await call('memberB', 'POST', `/sandboxes/${id}/exec`, { command: ['true'] }), 404), /no sandbox/);
    assert.match(await errorOf(await call('memberB', 'GET', `/sandboxes/${id}/files?path=/etc/hostname`), 404), /no sandbox/);
    assert.match(await errorOf(await call('memberB', 'PUT', `/sandboxes/${id}/files?path=/tmp/x`, Buffer.from('x'), { 'content-type': 'application/octet-stream' }), 404), /no sandbox/);
    assert.match(await errorOf(await call('memberB', 'DELETE', `/sandboxes/${id}`), 404), /no sandbox/);
    // nor reaches its execs by id
    const ex = startRun('memberA', `/sandboxes/${id}/exec`, { command: ['sh', '-c', 'read line; echo "got $line"'], stdin: true });
    const execId = (await ex.started).exec;
    assert.match(await errorOf(await call('memberB', 'POST', `/sandboxes/${id}/execs/${execId}/signal`, { signal: 'SIGKILL' }), 404), /no sandbox/);
    assert.match(await errorOf(await call('memberB', 'POST', `/sandboxes/${id}/execs/${execId}/stdin?eof=true`, Buffer.from('evil\n'), { 'content-type': 'application/octet-stream' }), 404), /no sandbox/);
    const ok = await call('memberA', 'POST', `/sandboxes/${id}/execs/${execId}/stdin?eof=true`, Buffer.from('mine\n'), { 'content-type': 'application/octet-stream' });
    assert.deepEqual(await ok.json(), { bytes: 5, closed: true });
    assert.equal((await ex.done).stdout, 'got mine\n');
  });

  it('a member of the project sees it; an admin sees every project; a reader may look but not create or exec', async () => {
    assert.equal((await call('memberA', 'GET', `/sandboxes/${id}`)).status, 200);
    const all = (await (await call('admin', 'GET', '/sandboxes')).json()) as { sandboxes: Array<{ id: string; project: string }> };
    assert.ok(all.sandboxes.some((s) => s.id === id && s.project === 'alpha'));
    const filtered = (await (await call('admin', 'GET', '/sandboxes?project=beta')).json()) as { sandboxes: unknown[] };
    assert.deepEqual(filtered.sandboxes, []);
    assert.equal((await call('readerA', 'GET', `/sandboxes/${id}`)).status, 200);
    assert.match(await errorOf(await call('readerA', 'POST', '/sandboxes', { runtime: 'namespaces' }), 403), /member required/);
    assert.match(await errorOf(await call('readerA', 'POST', `/sandboxes/${id}/exec`, { command: ['true'] }), 403), /member required/);
    assert.match(await errorOf(await call('readerA', 'GET', `/sandboxes/${id}/files?path=/etc/hostname`), 403), /member required/);
    assert.equal((await fetch(`${server.url}${API}/sandboxes`)).status, 401, 'authenticated by default');
  });

  it('only admins name host paths: mounts, host-process runtimes, images outside the allowed roots', async () => {
    assert.match(await errorOf(await call('memberA', 'POST', '/sandboxes', { runtime: 'namespaces', mounts: [{ source: '/etc', target: '/host-etc' }] }), 403), /mounts name host directories/);
    assert.match(await errorOf(await call('memberA', 'POST', '/sandboxes', { runtime: 'process' }), 403), /runtime process runs commands as host processes/);
    assert.match(await errorOf(await call('memberA', 'POST', '/run', { runtimeClass: 'trusted', command: ['id'] }), 403), /only admins/);
    assert.match(await errorOf(await call('memberA', 'POST', '/sandboxes', { runtime: 'namespaces', image: 'dir:/' }), 403), /host path outside the image directories/);
    const list = (await (await call('admin', 'GET', '/sandboxes')).json()) as { sandboxes: unknown[] };
    assert.equal(list.sandboxes.length, 1, 'refused requests leave no record');
  });
});

describe('bad input gets a 4xx with a clear message, never a 500', () => {
  it('refuses unknown runtimes and classes, naming the known ones', async () => {
    assert.match(await errorOf(await call('admin', 'POST', '/sandboxes', { runtime: 'docker' }), 400), /^unknown_runtime: unknown runtime "docker" \(known: process, namespaces, runc, gvisor, vm\)/);
    assert.match(await errorOf(await call('admin', 'POST', '/run', { runtimeClass: 'ultra', command: ['true'] }), 400), /unknown runtime class "ultra"/);
  });

  it('refuses a missing image and a corrupt image tarball, leaving nothing behind', async () => {
    assert.match(await errorOf(await call('admin', 'POST', '/sandboxes', { runtime: 'namespaces', image: '/no/such/rootfs' }), 400), /^image_not_found: .*\/no\/such\/rootfs/);
    const bad = join(scratch, 'corrupt.tar');
    await writeFile(bad, Buffer.alloc(3000, 'q'));
    assert.match(await errorOf(await call('admin', 'POST', '/run', { runtime: 'namespaces', image: `oci-archive:${bad}`, command: ['true'] }), 400), /^image_invalid: /);
    const layout = join(scratch, 'layout');
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 10 }] }));
    execFileSync('tar', ['-C', layout, '-cf', bad, '.']);
    assert.match(await errorOf(await call('admin', 'POST', '/sandboxes', { runtime: 'namespaces', image: `oci-archive:${bad}` }), 400), /image_invalid: .*missing blobs\/sha256\/a{64}/);
    assert.deepEqual(((await (await call('admin', 'GET', '/sandboxes')).json()) as { sandboxes: unknown[] }).sandboxes, []);
    assert.deepEqual(await readdir(join(server.dataDir, 'sandbox', 'sandboxes')), []);
  });

  it('refuses malformed specs and bodies, saying where', async () => {
    assert.match(await errorOf(await call('admin', 'POST', '/sandboxes', { runtime: 'namespaces', memory: 'a lot' }), 400), /memory/);
    assert.match(await errorOf(await call('admin', 'POST', '/sandboxes', { runtime: 'namespaces', colour: 'red' }), 400), /unknown field "colour"/);
    assert.match(await errorOf(await call('admin', 'POST', '/sandboxes', { runtime: 'namespaces', mounts: [{ source: '/no/such/dir', target: '/w' }] }), 400), /mounts\[0\]\.source/);
    assert.match(await errorOf(await call('admin', 'POST', '/sandboxes', { runtime: 'namespaces', env: { 'BAD-NAME': 'x' } }), 400), /not a valid variable name/);
    assert.match(await errorOf(await call('admin', 'POST', '/sandboxes', { runtime: 'Namespaces!' }), 400), /runtime/);
    assert.match(await errorOf(await call('admin', 'POST', '/sandboxes', '{"runtime": ', { 'content-type': 'application/json' }), 400), /malformed JSON/);
    assert.match(await errorOf(await call('admin', 'POST', '/run', { runtime: 'namespaces', command: [] }), 400), /command/);
    assert.match(await errorOf(await call('admin', 'POST', '/run', { runtime: 'namespaces' }), 400), /missing field "command"/);
    assert.match(await errorOf(await call('admin', 'POST', '/run', { runtime: 'namespaces', command: 'ls -l' }), 400), /command/);
    assert.match(await errorOf(await call('admin', 'POST', '/run', { runtime: 'namespaces', command: ['true'], timeout: 'soon' }), 400), /timeout/);
    assert.match(await errorOf(await call('admin', 'GET', '/sandboxes/nope'), 404), /no sandbox nope/);
    assert.match(await errorOf(await call('admin', 'POST', `/sandboxes/${'a'.repeat(24)}/exec`, { command: ['true'] }), 404), /no sandbox/);
    assert.match(await errorOf(await call('admin', 'DELETE', `/sandboxes/${'b'.repeat(24)}`), 404), /no sandbox/);
  });

  it('refuses bad exec requests on a running sandbox', async () => {
    const id = ((await (await call('admin', 'POST', '/sandboxes', { runtime: 'namespaces' })).json()) as { id: string }).id;
    localIds.push(await localIdOf(id));
    try {
      assert.match(await errorOf(await call('admin', 'POST', `/sandboxes/${id}/exec`, { command: ['true'], env: { '1X': 'y' } }), 400), /not a valid variable name/);
      assert.match(await errorOf(await call('admin', 'POST', `/sandboxes/${id}/exec`, { command: ['true'], cwd: 'relative' }), 400), /absolute path/);
      assert.match(await errorOf(await call('admin', 'POST', `/sandboxes/${id}/execs/${'c'.repeat(24)}/signal`, { signal: 'SIGTERM' }), 404), /no running exec/);
      assert.match(await errorOf(await call('admin', 'POST', `/sandboxes/${id}/execs/${'c'.repeat(24)}/stdin`, Buffer.from('x'), { 'content-type': 'application/octet-stream' }), 404), /no running exec/);
      assert.match(await errorOf(await call('admin', 'PUT', `/sandboxes/${id}/files?path=/tmp/x`, 'plain text', { 'content-type': 'text/plain' }), 400), /send a tar archive .* or one file/);
      const ex = startRun('admin', `/sandboxes/${id}/exec`, { command: ['sleep', '30'] });
      const execId = (await ex.started).exec;
      assert.match(await errorOf(await call('admin', 'POST', `/sandboxes/${id}/execs/${execId}/signal`, { signal: 'SIGNOPE' }), 400), /unknown signal "SIGNOPE"/);
      assert.match(await errorOf(await call('admin', 'POST', `/sandboxes/${id}/execs/${execId}/signal`, { signal: 99 }), 400), /signal/);
      assert.match(await errorOf(await call('admin', 'POST', `/sandboxes/${id}/execs/${execId}/stdin`, Buffer.from('x'), { 'content-type': 'application/octet-stream' }), 409), /stdin of exec .* is closed/);
      assert.equal((await call('admin', 'POST', `/sandboxes/${id}/execs/${execId}/signal`, { signal: 'SIGKILL' })).status, 204);
      const r = await ex.done;
      assert.equal(r.status, 137);
    } finally {
      assert.equal((await call('admin', 'DELETE', `/sandboxes/${id}`)).status, 204);
    }
  });

  it('lists the runtimes and classes with whether each is usable here', async () => {
    const r = (await (await call('readerA', 'GET', '/runtimes')).json()) as { runtimes: Array<{ name: string; available: boolean }>; classes: Array<{ name: string; runtime: string }> };
    assert.deepEqual(r.runtimes.map((x) => x.name), ['process', 'namespaces', 'runc', 'gvisor', 'vm']);
    assert.ok(r.runtimes.find((x) => x.name === 'namespaces')!.available);
    assert.ok(r.classes.some((c) => c.name === 'default' && c.runtime === 'namespaces'));
    assert.ok(existsSync(join(server.dataDir, 'sandbox')));
  });
});
