import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { AgentClient } from './agent-client.js';
import { AgentFrame, FrameDecoder, encodeFrame, encodeKv } from './protocol.js';

test('copy-out: a slow sink pauses the agent stream, so the host never holds more than the backlog', async () => {
  const fromAgent = new PassThrough();
  const toAgent = new PassThrough();
  const client = new AgentClient({ readable: fromAgent, writable: toAgent }, { label: 'test' });
  let received = 0;
  let pausedSeen = false;
  let maxHeld = 0;
  const chunk = Buffer.alloc(64 * 1024, 7);
  const total = 400; // 25 MiB, three times the backlog
  const sink = {
    entry: async () => {},
    data: async (d: Buffer) => {
      await new Promise((r) => setTimeout(r, 1));
      received += d.length;
    },
    finish: async () => {},
    abort: async () => {},
  };
  const done = client.copyOut('/big', sink);
  const [req] = new FrameDecoder().push(toAgent.read() as Buffer);
  const chan = req!.channel;
  fromAgent.write(encodeFrame(AgentFrame.ENTRY, chan, encodeKv([['path', 'big'], ['type', 'f'], ['mode', '644']])));
  // the "agent": writes as fast as the stream lets it, as a blocking pipe write would
  let sent = 0;
  while (sent < total) {
    if (fromAgent.isPaused()) pausedSeen = true;
    maxHeld = Math.max(maxHeld, sent * chunk.length - received);
    if (!fromAgent.write(encodeFrame(AgentFrame.DATA, chan, chunk))) await new Promise((r) => fromAgent.once('drain', r));
    sent++;
  }
  fromAgent.write(encodeFrame(AgentFrame.END, chan));
  await done;
  assert.equal(received, total * chunk.length);
  assert.ok(pausedSeen, 'the stream was paused while the sink caught up');
  assert.ok(maxHeld < 12 * 1024 * 1024, `at most the backlog and the stream's buffers are held (held ${maxHeld})`);
});
