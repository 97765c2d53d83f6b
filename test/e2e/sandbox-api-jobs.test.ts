// The `sandbox` service as the gate uses it: a job session is a sandbox of
// the runtime class the job's labels name, with the workspace mounted
// read-write at its host path; each step runs `/bin/sh -c` with env and cwd,
// streams its output, and is killed (with its process group) at its timeout
// or on cancel; close destroys the sandbox. Real sandboxes, no server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, coreMigrations, openStore, silentLogger, type Principal, type Store } from '../../src/core/index.js';
import type { StepSpec as JobStep } from '../../src/gate/index.js';
import { SandboxService, type JobSession } from '../../src/sandbox/service/index.js';
import { sandboxMigrations } from '../../src/sandbox/db/migrations.js';
import { assertNoLeaks, type TestEnv } from './sandbox-helpers.js';

const admin: Principal = { tokenId: 't', name: 'test', role: 'admin', project: 'admin' };
let store: Store;
let service: SandboxService;
let stateDir: string;
let scratch: string;
const localIds: string[] = [];

before(async () => {
  store = await openStore(':memory:');
  await migrate(store, { core: coreMigrations, sandbox: sandboxMigrations });
  stateDir = await mkdtemp(join(tmpdir(), 'sbx-'));
  scratch = await mkdtemp(join(tmpdir(), 'strata-sbx-jobs-'));
  service = await SandboxService.open(store.db, silentLogger(), { stateDir, copyLimit: 1 << 20, imageRoots: [], url: () => 'http://in-process' });
  await service.start();
});

after(async () => {
  try {
    await service.stop();
    await assertNoLeaks({ stateDir } as TestEnv, localIds);
  } finally {
    await store.close();
    await rm(stateDir, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  }
});

function step(command: string, cwd: string, over: Partial<JobStep> = {}): JobStep & { output: () => string } {
  const chunks: Buffer[] = [];
  return {
    command,
    cwd,
    env: { JOB_VAR: 'from-the-gate', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    timeoutMs: null,
    signal: new AbortController().signal,
    onOutput: (c) => chunks.push(c),
    ...over,
    output: () => Buffer.concat(chunks).toString(),
  };
}

async function sessionOf(labels: string[], runtimeExpected: string): Promise<{ session: JobSession; workspace: string }> {
  const workspace = await mkdtemp(join(scratch, 'ws-'));
  await writeFile(join(workspace, 'input.txt'), 'from the workspace\n');
  const session = await service.openJobSession({ name: `build-${labels.join('-')}`, workspace, env: { FROM_SESSION: 'session' }, labels });
  const view = await service.get(admin, session.id);
  assert.equal(view.runtime, runtimeExpected);
  assert.equal(view.project, 'gate');
  localIds.push(view.localId!);
  return { session, workspace };
}

for (const [labels, runtime] of [
  [['ubuntu-jammy', 'default'], 'namespaces'],
  [['trusted'], 'process'],
  [['vm'], 'vm'],
] as const) {
  describe(`a job session for labels ${labels.join(', ')} (${runtime})`, () => {
    let session: JobSession;
    let workspace: string;

    before(async () => {
      ({ session, workspace } = await sessionOf([...labels], runtime));
    });

    it('runs steps in the workspace with their env, streaming output; the workspace is shared read-write', async () => {
      // host paths in the command, cwd and env reach the workspace wherever the sandbox shows it
      const s = step(`cat ${workspace}/input.txt; echo "$JOB_VAR $FROM_SESSION $(pwd)"; cat "$WS_FILE"; echo built > result.txt; echo to-stderr >&2`, workspace);
      s.env.WS_FILE = join(workspace, 'input.txt');
      const r = await session.run(s);
      assert.deepEqual(r, { exitCode: 0, signal: null, timedOut: false, aborted: false });
      // under /tmp (the sandbox's own) the workspace shows at /workspace, except to host processes
      const inside = runtime === 'process' ? workspace : '/workspace';
      assert.equal(s.output(), `from the workspace\nfrom-the-gate session ${inside}\nfrom the workspace\nto-stderr\n`);
      assert.equal(await readFile(join(workspace, 'result.txt'), 'utf8'), 'built\n');
      assert.equal((await session.run(step('exit 3', workspace))).exitCode, 3);
    });

    it('kills a step and what it started at its timeout, and on cancel', async () => {
      const t = await session.run(step('sleep 7771 & sleep 7771; echo never', workspace, { timeoutMs: 500 }));
      assert.equal(t.timedOut, true);
      assert.notEqual(t.exitCode, 0);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 500);
      const a = await session.run(step('trap "" TERM; sleep 7772 & sleep 7772', workspace, { signal: ac.signal }));
      assert.equal(a.aborted, true, 'cancelled, with SIGKILL after the grace period when TERM is ignored');
      const left = step('for p in /proc/[0-9]*; do { tr "\\0" " " < $p/cmdline; } 2>/dev/null; echo; done | grep "^sleep 777" || echo none-left', workspace);
      await session.run(left);
      assert.equal(left.output(), 'none-left\n');
    });

    it('reports a step that cannot start', async () => {
      const r = await session.run(step('true', join(workspace, 'no-such-dir')));
      assert.equal(r.exitCode, null);
      assert.match(r.error!, /no-such-dir/);
    });

    it('is listed while open and gone once closed', async () => {
      assert.ok((await service.list(admin)).some((v) => v.id === session.id && v.state === 'running'));
      await session.close();
      await session.close();
      assert.ok(!(await service.list(admin)).some((v) => v.id === session.id));
    });
  });
}
