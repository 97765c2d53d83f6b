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
import { connect, createServer, type Socket } from 'node:net';
import type { Duplex, Writable } from 'node:stream';
import { decodeKv } from '../agent/protocol.js';
import { AgentRelay } from './agent-relay.js';
import { readFileSync, writeFileSync, unlinkSync, openSync, closeSync, mkdirSync } from 'node:fs';
import { lineSplitter, parseRequest, type OrphanExec, type Request, type Status, type SupervisorSpec } from './protocol.js';
import { supervisorPaths } from './paths.js';

const [stateDir, id] = process.argv.slice(2);
if (!stateDir || !id) {
  process.stderr.write('usage: supervisor <state-dir> <id>\n');
  process.exit(2);
}
const paths = supervisorPaths(stateDir, id);
const spec = JSON.parse(readFileSync(paths.spec, 'utf8')) as SupervisorSpec;
mkdirSync(stateDir, { recursive: true });

// The child's diagnostics go to a file, not through us, so nothing blocks when
// no server is reading; `logs` reads its tail. With a stdio agent, the child's
// stdin/stdout are the agent's stream, held here (see agent-relay.ts).
const stdioAgent = spec.agent === 'stdio';
const logFd = openSync(paths.log, 'a');
const child: ChildProcess = spawn(spec.argv[0], spec.argv.slice(1), {
  cwd: spec.cwd,
  env: spec.env ?? process.env,
  stdio: [stdioAgent ? 'pipe' : 'ignore', stdioAgent ? 'pipe' : logFd, logFd],
  // its own process group, so whoever finds this supervisor dead can end all of it
  detached: true,
});
closeSync(logFd);
const status: Status = {
  id,
  label: spec.label,
  supervisorPid: process.pid,
  childPid: child.pid ?? null,
  state: 'running',
  exitCode: null,
  exitSignal: null,
  startedAt: new Date().toISOString(),
};
child.on('error', (e) => {
  status.state = 'exited';
  status.exitCode = 127;
  writeFileSync(paths.log, `supervisor: cannot start ${spec.argv[0]}: ${e.message}\n`, { flag: 'a' });
});
const waiters: Array<() => void> = [];
child.on('exit', (code, signal) => {
  status.state = 'exited';
  status.exitCode = code;
  status.exitSignal = signal;
  for (const w of waiters.splice(0)) w();
  agentLink?.end();
  attached?.end();
});

// ---- the agent's stream, lent to one server at a time
const orphans = new Map<number, OrphanExec>();
const ORPHAN_TAIL = 64 * 1024;
let agentLink: Duplex | undefined;
let relay: AgentRelay | undefined;
let attached: Socket | undefined;

function startRelay(link: { readable: NodeJS.ReadableStream; writable: Writable; end(): void }): void {
  relay = new AgentRelay(
    link.writable,
    (o) => {
      const e = orphans.get(o.channel) ?? { channel: o.channel, output: '' };
      e.output = (e.output + o.data.toString()).slice(-ORPHAN_TAIL);
      orphans.set(o.channel, e);
    },
    (channel, payload) => {
      const e = orphans.get(channel) ?? { channel, output: '' };
      e.exit = Object.fromEntries(decodeKv(payload));
      orphans.set(channel, e);
    },
  );
  link.readable.on('data', (d: Buffer) => {
    relay!.fromAgent(d);
    // backpressure: a server that reads slowly slows the agent, not our memory
    if (attached?.writableNeedDrain) {
      link.readable.pause();
      const server = attached;
      const resume = () => link.readable.resume();
      server.once('drain', resume);
      server.once('close', resume);
    }
  });
  // the agent's stream ended: the attached server must see it (its sandbox died)
  link.readable.on('end', () => attached?.end());
  link.readable.on('error', () => attached?.destroy());
  link.writable.on('error', () => {});
  // servers can attach from now on (before, connecting fails and they retry)
  channelServer.listen(paths.channel);
}


async function handle(r: Request): Promise<unknown> {
  switch (r.op) {
    case 'status':
      return status;
    case 'signal':
      if (status.state === 'running' && child.pid) process.kill(-child.pid, r.signal);
      return status;
    case 'wait':
      if (status.state === 'running') await new Promise<void>((res) => waiters.push(res));
      return status;
    case 'orphans':
      for (const channel of relay?.orphanExecs() ?? []) if (!orphans.has(channel)) orphans.set(channel, { channel, output: '' });
      return [...orphans.values()];
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

/** The agent's stream for the server: a new connection takes it over from the previous one. */
const channelServer = createServer((sock) => {
  attached = sock;
  relay!.attach(sock);
  sock.on('data', (d: Buffer) => {
    try {
      relay!.fromClient(sock, d);
    } catch {
      sock.destroy(); // a protocol error cuts off that server, not the sandbox
    }
  });
  sock.on('error', () => {});
  sock.on('close', () => {
    relay!.detach(sock);
    if (attached === sock) attached = undefined;
  });
});

function exitNow(): void {
  server.close();
  channelServer.close();
  for (const f of [paths.socket, paths.channel, paths.pid]) {
    try {
      unlinkSync(f);
    } catch {
      /* already gone */
    }
  }
  process.exit(0);
}

for (const f of [paths.socket, paths.channel]) {
  try {
    unlinkSync(f);
  } catch {
    /* no stale socket */
  }
}
if (stdioAgent) {
  startRelay({ readable: child.stdout!, writable: child.stdin!, end: () => child.stdin!.end() });
} else if (spec.agent && spec.agent !== 'stdio') {
  const path = spec.agent.socket;
  const tryConnect = (left: number): void => {
    const sock = connect(path);
    sock.once('connect', () => {
      agentLink = sock;
      startRelay({ readable: sock, writable: sock, end: () => sock.end() });
    });
    sock.once('error', () => {
      sock.destroy();
      if (status.state === 'running' && left > 0) setTimeout(() => tryConnect(left - 1), 100);
    });
  };
  tryConnect(600);
}
server.listen(paths.socket, () => {
  writeFileSync(paths.pid, String(process.pid));
  // The spawner waits for this line before it returns.
  process.stdout.write('ready\n');
});
// A terminal hangup or the server's death must not take the sandbox with it.
process.on('SIGHUP', () => {});
process.on('SIGPIPE', () => {});
