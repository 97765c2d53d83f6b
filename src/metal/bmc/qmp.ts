/**
 * A minimal QMP (QEMU Machine Protocol) client over a unix socket: connect,
 * negotiate capabilities, run commands in order, close. One short connection
 * per use, since QEMU serves one QMP client at a time.
 */
import { connect } from 'node:net';

export class QmpError extends Error {}

export async function qmp(socketPath: string, commands: { execute: string; arguments?: Record<string, unknown> }[], timeoutMs = 5000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const results: unknown[] = [];
    let buf = '';
    let greeted = false;
    let sent = 0;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new QmpError(`QMP ${socketPath}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(results);
    };
    const queue = [{ execute: 'qmp_capabilities' }, ...commands];
    const sendNext = () => sock.write(JSON.stringify(queue[sent++]) + '\n');
    sock.setEncoding('utf8');
    sock.on('error', (err) => done(new QmpError(`QMP ${socketPath}: ${err.message}`)));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        let msg: { QMP?: unknown; return?: unknown; error?: { desc?: string }; event?: string };
        try {
          msg = JSON.parse(line);
        } catch {
          return done(new QmpError(`QMP ${socketPath}: unreadable reply ${line.slice(0, 100)}`));
        }
        if (msg.event) continue;
        if (!greeted) {
          greeted = true;
          sendNext();
          continue;
        }
        if (msg.error) return done(new QmpError(`QMP ${queue[sent - 1].execute}: ${msg.error.desc ?? 'error'}`));
        if (sent > 1) results.push(msg.return);
        if (sent === queue.length) return done();
        sendNext();
      }
    });
  });
}
