/**
 * Copies over an agent connection: a host tree sent in (COPY_IN, then an
 * ENTRY per file, directory or link with DATA for file contents, then END),
 * and a sandbox path received (COPY_OUT, answered with the same frames),
 * each with backpressure so memory stays bounded whatever either side's speed.
 */
import { AgentFrame, DATA_CHUNK, HostFrame, decodeKv, encodeKv, kvGet } from './protocol.js';
import { agentError, type AgentLink } from './agent-link.js';
import type { CopyEntry, CopySink } from './copy-tree.js';

/** Copies entries (a host file or tree) to an absolute path in the sandbox. */
export async function copyInOver(link: AgentLink, sandboxPath: string, entries: AsyncIterable<CopyEntry>): Promise<void> {
  const channel = link.allocate();
  let failure: Error | undefined;
  const done = new Promise<void>((resolve, reject) => {
    link.on(channel, (frame) => {
      if (frame.type === AgentFrame.OK) {
        link.off(channel);
        resolve();
      } else if (frame.type === AgentFrame.ERROR) {
        link.off(channel);
        failure = agentError(frame.payload, link.label, `copy to ${sandboxPath}`);
        reject(failure);
      } else if (frame.type === -1) {
        link.off(channel);
        reject(link.closedError());
      }
    });
  });
  done.catch(() => {});
  await link.sendAsync(HostFrame.COPY_IN, channel, encodeKv([['path', sandboxPath]]));
  for await (const entry of entries) {
    if (failure || link.closedError()) break;
    const pairs: Array<[string, string]> = [
      ['type', entry.type],
      ['path', entry.path],
      ['mode', entry.mode.toString(8)],
    ];
    if (entry.type === 'l') pairs.push(['target', entry.target]);
    await link.sendAsync(HostFrame.ENTRY, channel, encodeKv(pairs));
    if (entry.type === 'f') {
      for await (const chunk of entry.content()) {
        for (let off = 0; off < chunk.length; off += DATA_CHUNK) {
          if (link.closedError()) break;
          await link.sendAsync(HostFrame.DATA, channel, chunk.subarray(off, off + DATA_CHUNK));
        }
      }
    }
  }
  if (!failure && !link.closedError()) link.send(HostFrame.END, channel, Buffer.alloc(0));
  return done;
}

/** Copies a sandbox path out; the sink writes it on the host (safely). */
export function copyOutOver(link: AgentLink, sandboxPath: string, sink: CopySink): Promise<void> {
  const channel = link.allocate();
  return new Promise<void>((resolve, reject) => {
    const closed = link.closedError();
    if (closed) return reject(closed);
    let chain = Promise.resolve();
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      link.off(channel);
      chain.finally(() => sink.abort().finally(() => reject(err)));
    };
    link.on(channel, (frame) => {
      if (failed) return;
      switch (frame.type) {
        case AgentFrame.ENTRY: {
          const kv = decodeKv(frame.payload);
          const type = kvGet(kv, 'type');
          const path = kvGet(kv, 'path') ?? '';
          const mode = parseInt(kvGet(kv, 'mode') ?? '644', 8);
          const target = kvGet(kv, 'target') ?? '';
          chain = chain.then(() => sink.entry(type === 'd' || type === 'l' || type === 'f' ? type : 'f', path, mode, target));
          chain.catch(fail);
          break;
        }
        case AgentFrame.DATA: {
          const data = frame.payload;
          link.copyBacklog(data.length);
          chain = chain.then(() => sink.data(data)).finally(() => link.copyBacklog(-data.length));
          chain.catch(fail);
          break;
        }
        case AgentFrame.END:
          link.off(channel);
          chain.then(() => sink.finish()).then(resolve, fail);
          break;
        case AgentFrame.ERROR:
          fail(agentError(frame.payload, link.label, `copy from ${sandboxPath}`));
          break;
        case -1:
          fail(link.closedError()!);
          break;
      }
    });
    link.send(HostFrame.COPY_OUT, channel, encodeKv([['path', sandboxPath]]));
  });
}
