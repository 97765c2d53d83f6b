// A build's console as a stream: the file so far, then (while the build
// runs) every chunk the executor writes next, until it ends — exactly once
// each. Used by GET /gate/api/builds/{id}/log and Zuul's console-stream.

import { createReadStream, existsSync, statSync } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import type { GateService } from '../service.js';

/** null when the build has no log (yet); `stop` unsubscribes a follower that goes away. */
export function openLogStream(gate: GateService, buildId: string, follow: boolean): { stream: Readable; stop(): void } | null {
  const file = gate.executor.logPath(buildId);
  const active = gate.executor.isActive(buildId);
  if (!existsSync(file) && !active) return null;
  const whole = () => ({ stream: existsSync(file) ? createReadStream(file) as Readable : PassThrough.from(['']), stop() {} });
  if (!follow || !active) return whole();
  const out = new PassThrough();
  // Subscribe, then note the file's size in the same tick: the executor writes
  // each chunk to the file before handing it to followers, so the file up to
  // that size plus every chunk from now on is the whole log.
  const live: Buffer[] = [];
  let replaying = true;
  let ended = false;
  const unsubscribe = gate.executor.follow(buildId, (chunk) => {
    if (chunk === null) ended = true;
    else if (replaying) live.push(chunk);
    else out.write(chunk);
    if (ended && !replaying) out.end();
  });
  if (!unsubscribe) return whole();
  const size = existsSync(file) ? statSync(file).size : 0;
  const finish = () => {
    for (const c of live) out.write(c);
    live.length = 0;
    replaying = false;
    if (ended) out.end();
  };
  if (size === 0) finish();
  else {
    const head = createReadStream(file, { start: 0, end: size - 1 });
    head.on('data', (d) => out.write(d));
    head.on('error', () => finish());
    head.on('end', finish);
  }
  return { stream: out, stop: () => unsubscribe() };
}
