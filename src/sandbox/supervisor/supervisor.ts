/**
 * The per-sandbox supervisor (shim) process. The server spawns it detached, in
 * its own session, so a SIGKILL of the server (or its process group) does not
 * reach it; it is the parent of the runtime's host process, keeps its output,
 * reaps it and remembers the exit status, and answers the server on a unix
 * socket in the server's state dir. As containerd's shims, it outlives the
 * daemon and exits only when told to (shutdown) after its child is gone.
 *
 * Usage: supervisor <state-dir> <id>  (the spec is read from <state-dir>/<id>.spec.json,
 * so no environment or secret is ever on argv).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { readFileSync, writeFileSync, renameSync, unlinkSync, openSync, closeSync, readSync, fstatSync, mkdirSync } from 'node:fs';

import { lineSplitter, parseRequest, type ExecResult, type Request, type Status, type SupervisorSpec } from './protocol.js';
import { supervisorPaths } from './paths.js';
import { procStartTicks } from './proc-identity.js';

const [stateDir, id] = process.argv.slice(2);
if (!stateDir || !id) {
  process.stderr.write('usage: supervisor <state-dir> <id>\n');
  process.exit(2);
}
const paths = supervisorPaths(stateDir, id);
const spec = JSON.parse(readFileSync(paths.spec, 'utf8')) as SupervisorSpec;
mkdirSync(stateDir, { recursive: true });

// The child's output goes to a file, not through us, so nothing blocks when no
// server is reading; `logs` reads its tail.
const logFd = openSync(paths.log, 'a');
const child: ChildProcess = spawn(spec.argv[0], spec.argv.slice(1), {
  cwd: spec.cwd,
  env: spec.env ?? process.env,
  stdio: ['ignore', logFd, logFd],
  // its own process group, so whoever finds this supervisor dead can end all of it
  detached: true,
});
closeSync(logFd);
const status: Status = {
  id,
  supervisorPid: process.pid,
  childPid: child.pid ?? null,
  childStart: child.pid ? procStartTicks(child.pid) : null,
  state: 'running',
  exitCode: null,
  exitSignal: null,
  startedAt: new Date().toISOString(),
};
child.on('error', (e) => {
  status.state = 'exited';
  status.exitCode = 127;
  writeFileSync(paths.log, `supervisor: cannot start ${spec.argv[0]}: ${e.message}\n`, { flag: 'a' });
  persist();
});
child.on('exit', (code, signal) => {
  status.state = 'exited';
  status.exitCode = code;
  status.exitSignal = signal;
  persist();
});

/** The status file lets a restarted server see the exit of a child whose supervisor is gone too. */
function persist(): void {
  const tmp = `${paths.status}.tmp`;
  writeFileSync(tmp, JSON.stringify(status));
  renameSync(tmp, paths.status);
}

function tail(maxBytes: number): string {
  const fd = openSync(paths.log, 'r');
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(size, maxBytes);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, size - n);
    return buf.toString();
  } finally {
    closeSync(fd);
  }
}

function exec(r: Extract<Request, { op: 'exec' }>): Promise<ExecResult> {
  return new Promise((resolve) => {
    const argv = [...(spec.execPrefix ?? []), ...r.argv];
    const p = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => p.kill('SIGKILL'), r.timeoutMs ?? 30_000);
    p.on('error', (e) => {
      clearTimeout(timer);
      resolve({ exitCode: 127, signal: null, stdout: '', stderr: e.message });
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    p.stdin.on('error', () => {});
    p.stdin.end(r.stdin ?? '');
  });
}

async function handle(r: Request): Promise<unknown> {
  switch (r.op) {
    case 'status':
      return status;
    case 'signal':
      if (status.state === 'running' && child.pid) process.kill(-child.pid, r.signal);
      return status;
    case 'exec':
      if (status.state !== 'running') throw new Error(`sandbox ${id} is not running`);
      return exec(r);
    case 'logs':
      return tail(r.maxBytes ?? 64 * 1024);
    case 'shutdown':
      if (status.state === 'running' && child.pid) {
        process.kill(-child.pid, 'SIGKILL');
        await new Promise((res) => child.once('exit', res));
      }
      setImmediate(exitNow);
      return status;
  }
}

function reply(sock: Socket, body: object): void {
  sock.end(JSON.stringify(body) + '\n');
}

const server = createServer((sock) => {
  sock.on('error', () => {});
  let done = false;
  sock.on(
    'data',
    lineSplitter((line) => {
      if (done) return;
      done = true;
      let req: Request;
      try {
        req = parseRequest(line);
      } catch (e) {
        reply(sock, { ok: false, error: (e as Error).message });
        return;
      }
      handle(req).then(
        (result) => reply(sock, { ok: true, result }),
        (e: Error) => reply(sock, { ok: false, error: e.message }),
      );
    }),
  );
});

function exitNow(): void {
  server.close();
  for (const f of [paths.socket, paths.pid]) {
    try {
      unlinkSync(f);
    } catch {
      /* already gone */
    }
  }
  process.exit(0);
}

try {
  unlinkSync(paths.socket);
} catch {
  /* no stale socket */
}
server.listen(paths.socket, () => {
  persist();
  writeFileSync(paths.pid, String(process.pid));
  // The spawner waits for this line before it returns.
  process.stdout.write('ready\n');
});
// A terminal hangup or the server's death must not take the sandbox with it.
process.on('SIGHUP', () => {});
process.on('SIGPIPE', () => {});
