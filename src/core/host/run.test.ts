import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError, run, runOk } from './run.js';

const node = process.execPath;
const script = (js: string, ...args: string[]) => [node, '-e', js, ...args];

test('run collects stdout, stderr and the exit code; arguments are never shell text', async () => {
  const r = await run(script('process.stdout.write(process.argv.slice(1).join("|")); process.stderr.write("warn"); process.exit(3)', '$HOME; ls', '*', '`id`'));
  assert.deepEqual(r, { code: 3, signal: null, timedOut: false, stdout: '$HOME; ls|*|`id`', stderr: 'warn' });
});

test('cwd, env and stdin are the ones given; without input stdin is empty', async () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'run-')));
  try {
    const r = await run(script('process.stdout.write(process.cwd() + " " + process.env.ONLY)'), { cwd: dir, env: { ONLY: 'this' } });
    assert.equal(r.stdout, `${dir} this`);
    const echo = 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => process.stdout.write(`[${s}]`))';
    assert.equal((await run(script(echo), { input: 'fed in' })).stdout, '[fed in]');
    assert.equal((await run(script(echo))).stdout, '[]');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a timeout kills with SIGKILL and says so', async () => {
  const r = await run(script('setInterval(() => {}, 1000)'), { timeoutMs: 200 });
  assert.equal(r.code, null);
  assert.equal(r.signal, 'SIGKILL');
  assert.equal(r.timedOut, true);
  await assert.rejects(runOk(script('setInterval(() => {}, 1000)'), { timeoutMs: 200 }), /killed after the 200 ms timeout/);
});

test('output beyond the cap keeps its tail; Infinity keeps it all; bytes come back exact', async () => {
  const big = 'process.stdout.write("a".repeat(300000) + "END"); process.stderr.write("x".repeat(300000) + "LAST")';
  const capped = await run(script(big), { maxOutputBytes: 1000 });
  assert.equal(capped.stdout.length, 1000);
  assert.ok(capped.stdout.endsWith('aEND'));
  assert.equal(capped.stderr.length, 1000);
  assert.ok(capped.stderr.endsWith('xLAST'));
  assert.equal((await run(script(big), { maxOutputBytes: Infinity })).stdout.length, 300003);
  const bytes = await run(script('process.stdout.write(Buffer.from([0, 255, 128, 10]))'), { encoding: 'buffer' });
  assert.ok(Buffer.isBuffer(bytes.stdout));
  assert.deepEqual([...bytes.stdout], [0, 255, 128, 10]);
});

test('runOk: a bad exit names the command, how it ended, where, and the tail of stderr; okCodes accepted', async () => {
  const fail = script('console.error("line 1\\nline 2\\nline 3\\nline 4\\nline 5\\nline 6\\nwhy it failed"); process.exit(2)');
  const err: unknown = await runOk(fail, { cwd: '/' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof CommandError);
  assert.match(err.message, /^\S+ -e .* failed \(exit 2\) in \/: line 3 \| line 4 \| line 5 \| line 6 \| why it failed$/);
  assert.equal(err.result?.code, 2);
  assert.deepEqual(err.argv, fail);
  assert.equal((await runOk(fail, { okCodes: [2] })).code, 2);
  assert.equal((await runOk(script('process.stdout.write("fine")'))).stdout, 'fine');
});

test('a program that is not there, or a working directory that is not, is a CommandError without a result', async () => {
  await assert.rejects(run(['strata-no-such-program-here']), (e: unknown) => e instanceof CommandError && e.result === undefined && /strata-no-such-program-here: not installed/.test(e.message));
  await assert.rejects(runOk([node, '-v'], { cwd: '/nonexistent/dir' }), /working directory \/nonexistent\/dir does not exist/);
});
