/**
 * One container's shim: the process `strata-runtime create` leaves behind.
 * It is the container's "init" as conmon and containerd's runc shim see it:
 * its pid is in the pid file, its stdio is the container's stdio, and its
 * exit status is the container's. It starts the sandbox at create (under the
 * same per-sandbox supervisor the server uses), runs the bundle's process in
 * it at start, and serves kill, exec and state on a unix socket.
 *
 * Usage: shim <root> <id>   (the plan is read from <root>/<id>/plan.json)
 * fd 3, when open, is told "ready" or the error once the sandbox is up.
 */
import { closeSync, readFileSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { SandboxManager } from '../manager/sandbox-manager.js';
import type { Exec, Sandbox } from '../manager/sandbox.js';
import { AgentFrame, FrameDecoder, HostFrame, encodeFrame, encodeKv } from '../agent/protocol.js';
import { lineSplitter } from '../supervisor/protocol.js';
import type { BundlePlan, ContainerProcess } from './bundle.js';
import { containerPaths, OCI_VERSION, signalExitCode, writeState, type ContainerState } from './container-state.js';
import { openLog } from './runtime-log.js';

const [root, id] = process.argv.slice(2);
const paths = containerPaths(root, id);
const { plan, bundle, logFile, logFormat } = JSON.parse(readFileSync(paths.plan, 'utf8')) as { plan: BundlePlan; bundle: string; logFile?: string; logFormat?: string };
const log = openLog(logFile, logFormat);
const state: ContainerState = { ociVersion: OCI_VERSION, id, status: 'creating', pid: process.pid, bundle, annotations: plan.annotations, created: new Date().toISOString() };

function tellCreator(line: string): void {
  try {
    writeSync(3, line + '\n');
    closeSync(3);
  } catch {
    /* no creator listening (fd 3 not open) */
  }
}

let manager: SandboxManager;
let sandbox: Sandbox;
let main: Exec | undefined;
let finishing = false;

/** Ends the container: the sandbox goes, the state says stopped, the shim exits with the container's status. */
async function finish(code: number): Promise<never> {
  if (!finishing) {
    finishing = true;
    server.close();
    await sandbox?.destroy().catch((err) => log.warn(`destroying the sandbox: ${(err as Error).message}`));
    writeState(root, { ...state, status: 'stopped', exitCode: code });
  }
  process.exit(code);
}

function startMain(): void {
  if (main) return;
  const p = plan.process;
  const tty = p.terminal && process.stdout.isTTY ? { rows: process.stdout.rows || 24, cols: process.stdout.columns || 80 } : undefined;
  void sandbox.exec(p.args, { env: p.env, cwd: p.cwd, tty }).then(
    (exec) => {
      main = exec;
      state.status = 'running';
      writeState(root, state);
      process.stdin.pipe(exec.stdin);
      process.stdin.on('error', () => {});
      exec.stdin.on('error', () => {});
      exec.stdout.pipe(process.stdout);
      exec.stderr.pipe(process.stderr);
      if (tty) process.stdout.on('resize', () => exec.resize(process.stdout.rows, process.stdout.columns));
      void exec.wait().then((r) => finish(r.exitCode ?? signalExitCode(r.signal ?? 'SIGKILL')));
    },
    (err: Error) => {
      process.stderr.write(`strata-runtime: ${err.message}\n`);
      void finish(127);
    },
  );
}

function kill(signal: NodeJS.Signals): void {
  if (main) main.signal(signal, { group: signal === 'SIGKILL' });
  else void finish(signalExitCode(signal)); // killing a created container ends it before it ran
}

/** `strata-runtime exec`: the command runs in the sandbox, its stdio relayed as agent-protocol frames. */
async function serveExec(sock: Socket, p: ContainerProcess): Promise<void> {
  const exec = await sandbox.exec(p.args, { env: p.env, cwd: p.cwd, tty: p.terminal ? (p.consoleSize ?? { rows: 24, cols: 80 }) : undefined }).catch((err: Error) => {
    sock.end(encodeFrame(AgentFrame.ERROR, 1, encodeKv([['message', err.message]])));
    return undefined;
  });
  if (!exec) return;
  sock.write(encodeFrame(AgentFrame.STARTED, 1, encodeKv([['pid', String(exec.pid)]])));
  exec.stdout.on('data', (d: Buffer) => sock.write(encodeFrame(AgentFrame.STDOUT, 1, d)));
  exec.stderr.on('data', (d: Buffer) => sock.write(encodeFrame(AgentFrame.STDERR, 1, d)));
  exec.stdin.on('error', () => {});
  const decoder = new FrameDecoder();
  sock.on('data', (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) {
      if (f.type === HostFrame.STDIN) exec.stdin.write(f.payload);
      else if (f.type === HostFrame.END) exec.stdin.end();
      else if (f.type === HostFrame.SIGNAL) exec.signal(f.payload.toString() as NodeJS.Signals);
      else if (f.type === HostFrame.RESIZE) exec.resize(f.payload.readUInt16BE(0), f.payload.readUInt16BE(2));
    }
  });
  const r = await exec.wait();
  sock.end(encodeFrame(AgentFrame.EXIT, 1, encodeKv([['code', String(r.exitCode ?? signalExitCode(r.signal ?? 'SIGKILL'))]])));
}

const server = createServer((sock) => {
  sock.on('error', () => {});
  const onLine = lineSplitter((line) => {
    sock.removeAllListeners('data');
    let req: { op: string; signal?: NodeJS.Signals; process?: ContainerProcess };
    try {
      req = JSON.parse(line);
    } catch {
      sock.end('{"ok":false,"error":"request is not JSON"}\n');
      return;
    }
    if (req.op === 'start') {
      if (main || state.status !== 'created') sock.end(JSON.stringify({ ok: false, error: `cannot start a container in the ${state.status} state` }) + '\n');
      else {
        startMain();
        sock.end('{"ok":true}\n');
      }
    } else if (req.op === 'kill') {
      kill(req.signal ?? 'SIGTERM');
      sock.end('{"ok":true}\n');
    } else if (req.op === 'ps') {
      sock.end(JSON.stringify({ ok: true, result: sandbox.hostPids() }) + '\n');
    } else if (req.op === 'exec' && req.process) {
      void serveExec(sock, req.process);
    } else sock.end(JSON.stringify({ ok: false, error: `unknown op ${req.op}` }) + '\n');
  });
  sock.on('data', onLine);
});

// the container's stdio belongs to whoever created it; its going away must not end the container
for (const s of [process.stdin, process.stdout, process.stderr]) s.on('error', () => {});
process.on('SIGPIPE', () => {});
process.on('SIGTERM', () => kill('SIGTERM'));
process.on('SIGINT', () => kill('SIGINT'));
process.on('SIGHUP', () => {});
void (async () => {
  try {
    for (const w of plan.warnings) log.warn(w);
    manager = await SandboxManager.open({ stateDir: paths.sandboxes, supervised: true, log: { info: (m) => log.info(m), warn: (m) => log.warn(m) } });
    sandbox = await manager.create(plan.spec);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(paths.socket, resolve);
    });
    state.status = 'created';
    writeState(root, state);
    tellCreator('ready');
  } catch (err) {
    tellCreator(`error ${(err as Error).message.replace(/\s+/g, ' ')}`);
    await finish(1);
  }
})();
