/**
 * `strata-runtime exec`'s side of an exec: asks the container's shim to run
 * the process, relays this process's stdio to it as agent-protocol frames,
 * and resolves with the command's exit status.
 */
import { connect } from 'node:net';
import { AgentFrame, FrameDecoder, HostFrame, decodeKv, encodeFrame, encodeResize, kvGet } from '../agent/protocol.js';
import type { ContainerProcess } from './bundle.js';

export function relayExec(socketPath: string, proc: ContainerProcess): Promise<number> {
  const tty = proc.terminal && process.stdout.isTTY;
  const request: ContainerProcess = tty ? { ...proc, consoleSize: { rows: process.stdout.rows || 24, cols: process.stdout.columns || 80 } } : proc;
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const decoder = new FrameDecoder();
    let code: number | undefined;
    sock.on('connect', () => sock.write(JSON.stringify({ op: 'exec', process: request }) + '\n'));
    // after the exit status came, a write racing the shim's close is no error
    sock.on('error', (e) => (code === undefined ? reject(new Error(`the container's shim does not answer (${e.message})`)) : undefined));
    sock.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.type === AgentFrame.STARTED) startInput();
        else if (f.type === AgentFrame.STDOUT) process.stdout.write(f.payload);
        else if (f.type === AgentFrame.STDERR) process.stderr.write(f.payload);
        else if (f.type === AgentFrame.EXIT) code = Number(kvGet(decodeKv(f.payload), 'code'));
        else if (f.type === AgentFrame.ERROR) {
          process.stderr.write(`strata-runtime: exec failed: ${kvGet(decodeKv(f.payload), 'message')}\n`);
          code = 127;
        }
      }
    });
    sock.on('close', () => {
      process.stdin.pause();
      resolve(code ?? 137);
    });
    const send = (frame: Buffer) => {
      if (code === undefined && sock.writable) sock.write(frame);
    };
    function startInput(): void {
      if (tty && process.stdin.isTTY) process.stdin.setRawMode(true);
      process.stdin.on('data', (d: Buffer) => send(encodeFrame(HostFrame.STDIN, 1, d)));
      process.stdin.on('end', () => send(encodeFrame(HostFrame.END, 1)));
      process.stdin.on('error', () => send(encodeFrame(HostFrame.END, 1)));
      if (tty) process.stdout.on('resize', () => send(encodeFrame(HostFrame.RESIZE, 1, encodeResize(process.stdout.rows, process.stdout.columns))));
      for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, () => send(encodeFrame(HostFrame.SIGNAL, 1, Buffer.from(sig))));
    }
  });
}
