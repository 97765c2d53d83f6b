// The executor's end of Strata's Ansible connection (plugins/connection/
// strata_agent.py): a Unix socket per build, private to it, on which
// ansible-playbook asks to run one command on one node. Each node is a
// runtime session (a sandbox reached through its agent, or a host process
// group), so no node needs an SSH server, keys or a network. A request that
// loses its client (ansible-playbook killed at a timeout) kills its command.

import { chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import type { ExecResult, RuntimeSession } from '../runtime.js';

export interface BridgeNode {
  session: RuntimeSession;
  cwd: string;
  env: Record<string, string>;
}

interface ExecRequest {
  op: 'exec';
  node: string;
  command: string;
  stdin: string;
}

const MAX_REQUEST = 256 * 1024 * 1024;

function parse(line: string): ExecRequest {
  const r = JSON.parse(line) as Partial<ExecRequest>;
  if (r.op !== 'exec' || typeof r.node !== 'string' || typeof r.command !== 'string' || typeof r.stdin !== 'string') {
    throw new Error('a request is {"op": "exec", "node", "command", "stdin"}');
  }
  return r as ExecRequest;
}

export class NodeBridge {
  private constructor(private readonly server: net.Server, readonly path: string) {}

  static listen(path: string, nodes: Map<string, BridgeNode>): Promise<NodeBridge> {
    rmSync(path, { force: true });
    const server = net.createServer((sock) => {
      const abort = new AbortController();
      sock.on('close', () => abort.abort());
      sock.on('error', () => abort.abort());
      let buf = '';
      let handled = false;
      sock.setEncoding('utf8');
      sock.on('data', (chunk: string) => {
        if (handled) return;
        buf += chunk;
        if (buf.length > MAX_REQUEST) {
          handled = true;
          sock.end(JSON.stringify({ error: 'request too large' }) + '\n');
          return;
        }
        const nl = buf.indexOf('\n');
        if (nl === -1) return;
        handled = true;
        void NodeBridge.handle(buf.slice(0, nl), nodes, abort.signal).then((reply) => {
          if (!sock.destroyed) sock.end(JSON.stringify(reply) + '\n');
        });
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        chmodSync(path, 0o600);
        resolve(new NodeBridge(server, path));
      });
    });
  }

  private static async handle(line: string, nodes: Map<string, BridgeNode>, signal: AbortSignal): Promise<Record<string, unknown>> {
    let req: ExecRequest;
    try {
      req = parse(line);
    } catch (err) {
      return { error: `bad request: ${(err as Error).message}` };
    }
    const node = nodes.get(req.node);
    if (!node) return { error: `no node ${req.node} in this build (nodes: ${[...nodes.keys()].join(', ') || 'none'})` };
    if (!node.session.exec) return { error: `node ${req.node}: its runtime cannot run Ansible's commands` };
    const r: ExecResult = await node.session.exec({ command: req.command, stdin: Buffer.from(req.stdin, 'base64'), cwd: node.cwd, env: node.env, signal });
    if (r.error) return { error: r.error };
    return { rc: r.exitCode ?? 128 + 9, stdout: r.stdout.toString('base64'), stderr: r.stderr.toString('base64') };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => {
      rmSync(this.path, { force: true });
      resolve();
    }));
  }
}
