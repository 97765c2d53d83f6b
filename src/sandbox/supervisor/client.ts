/**
 * The server's side of the supervisors: spawns one per sandbox (detached, own
 * session, so the server's death does not reach it), talks to it over its unix
 * socket, and lends the server the agent's stream. Which sandboxes a restarted server
 * adopts is the manager's call (SandboxManager.adopt), from this handle.
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lineSplitter, type OrphanExec, type Reply, type Request, type Status, type SupervisorSpec } from './protocol.js';
import { supervisorPaths } from './paths.js';

/** Sends one request and returns the result; rejects with the supervisor's error or when nobody answers. */
export function request<T>(socketPath: string, req: Request | { op: string }, timeoutMs = 35_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const timer = timeoutMs
      ? setTimeout(() => {
          sock.destroy();
          reject(new Error(`supervisor at ${socketPath} did not answer ${req.op} in ${timeoutMs} ms`));
        }, timeoutMs)
      : undefined;
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
    sock.on('error', (e) => settle(() => reject(e)));
    sock.on('close', () => settle(() => reject(new Error(`supervisor at ${socketPath} closed without a reply`))));
    sock.on(
      'data',
      lineSplitter((line) => {
        settle(() => {
          const r = JSON.parse(line) as Reply;
          sock.destroy();
          if (r.ok) resolve(r.result as T);
          else reject(new Error(r.error));
        });
      }),
    );
  });
}

/** How to run supervisor.ts: from the sources through tsx, or the built .js directly. */
function supervisorCommand(): string[] {
  const here = fileURLToPath(new URL('./supervisor' + (import.meta.url.endsWith('.ts') ? '.ts' : '.js'), import.meta.url));
  return here.endsWith('.ts') ? [process.execPath, '--import', 'tsx', here] : [process.execPath, here];
}

export class SupervisorHandle {
  readonly socket: string;
  constructor(readonly stateDir: string, readonly id: string) {
    this.socket = supervisorPaths(stateDir, id).socket;
  }
  status(): Promise<Status> {
    return request<Status>(this.socket, { op: 'status' }, 5_000);
  }
  signal(signal: NodeJS.Signals): Promise<Status> {
    return request<Status>(this.socket, { op: 'signal', signal });
  }
  shutdown(): Promise<Status> {
    return request<Status>(this.socket, { op: 'shutdown' });
  }
  /** Resolves when the child has exited (immediately if it has); rejects if the supervisor dies first. */
  wait(): Promise<Status> {
    return request<Status>(this.socket, { op: 'wait' }, 0);
  }
  /** Output and exits of execs whose server went away. */
  orphans(): Promise<OrphanExec[]> {
    return request<OrphanExec[]>(this.socket, { op: 'orphans' }, 5_000);
  }
  /** Attaches to the agent's stream (taking it over from any earlier server). */
  async channel(deadline = Date.now() + 10_000): Promise<Socket> {
    const path = supervisorPaths(this.stateDir, this.id).channel;
    for (;;) {
      try {
        return await new Promise<Socket>((resolve, reject) => {
          const sock = connect(path);
          sock.once('connect', () => {
            sock.removeListener('error', reject);
            resolve(sock);
          });
          sock.once('error', reject);
        });
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`supervisor of ${this.id}: no agent stream at ${path}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

/** Starts a supervisor for one sandbox and resolves once its socket is listening. */
export async function spawnSupervisor(stateDir: string, spec: SupervisorSpec, timeoutMs = 15_000): Promise<SupervisorHandle> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const paths = supervisorPaths(stateDir, spec.id);
  if (existsSync(paths.socket)) {
    const alive = await new SupervisorHandle(stateDir, spec.id).status().then(() => true, () => false);
    if (alive) throw new Error(`sandbox ${spec.id} already has a live supervisor`);
  }
  writeFileSync(paths.spec, JSON.stringify(spec), { mode: 0o600 });
  const [cmd, ...args] = supervisorCommand();
  // detached: setsid(), so the server's process group and session signals miss it.
  const p = spawn(cmd, [...args, stateDir, spec.id], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`supervisor for ${spec.id} did not start in ${timeoutMs} ms: ${err.trim()}`));
    }, timeoutMs);
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout!.on(
      'data',
      lineSplitter((line) => {
        if (line === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      }),
    );
    p.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`supervisor for ${spec.id} exited ${code}: ${err.trim()}`));
    });
  });
  // From here on the supervisor must not depend on our pipes.
  p.stdout!.destroy();
  p.stderr!.destroy();
  p.removeAllListeners('exit');
  p.unref();
  return new SupervisorHandle(stateDir, spec.id);
}
