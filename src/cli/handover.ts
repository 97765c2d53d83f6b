/**
 * A release handover (docs/edge-updates.md): this `strata server` gives its
 * data directory and listen address to the same command line run from
 * another release's directory. It stops listening, lets its running tasks
 * finish (they are otherwise handed over at once, not after a lease), stops
 * its modules and store, starts the successor detached (its output in
 * `<data>/handover.log`) and waits, holding nothing, until the successor
 * listens (its pid in endpoint.json); then it exits. A successor that dies
 * first is replaced by this release started again, so a broken release
 * never leaves the subcloud without a server. The edge module offers the
 * handover to the controller as `POST /edge/v1/release`.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ConflictError, InvalidInputError } from '../core/errors/index.js';

export const HANDOVER_SERVICE = 'server.handover';
export type Handover = (release: string) => Promise<{ from: string; to: string }>;

export function releaseHandover(opts: { root: string; dataDir: string; port: number; close: (o: { drainMs: number; handover: boolean }) => Promise<void>; info: (m: string) => void }): Handover {
  let started = false;
  return async (release) => {
    const main = join(release, 'dist', 'cli', 'main.js');
    if (!isAbsolute(release)) throw new InvalidInputError(`release must be an absolute directory (got "${release}")`);
    if (!existsSync(main) || !existsSync(join(release, 'package.json')) || !existsSync(join(release, 'node_modules'))) {
      throw new InvalidInputError(`${release} is not an installed release: it needs package.json, node_modules and dist/cli/main.js (npm ci && npm run build)`);
    }
    if (opts.port === 0) throw new ConflictError('a server listening on port 0 cannot hand over: its successor could not find the address');
    if (started) throw new ConflictError('a handover is already under way');
    started = true;
    // After the answer has gone out.
    setTimeout(async () => {
      opts.info(`handing over to release ${release}`);
      await opts.close({ drainMs: 30_000, handover: true }).catch(() => undefined); // sandboxes stay with their supervisors for the successor
      const out = openSync(join(opts.dataDir, 'handover.log'), 'a', 0o600);
      const launch = (entry: string, cwd: string) => spawn(process.execPath, [entry, ...process.argv.slice(2)], { cwd, detached: true, stdio: ['ignore', out, out], env: process.env });
      const child = launch(main, release);
      const listening = await new Promise<boolean>((resolve) => {
        child.once('exit', () => resolve(false));
        const poll = setInterval(() => {
          if (listeningPid(opts.dataDir) === child.pid) (clearInterval(poll), resolve(true));
        }, 100);
      });
      if (!listening) {
        opts.info(`release ${release} did not start (see ${join(opts.dataDir, 'handover.log')}): starting ${opts.root} again`);
        launch(process.argv[1]!, process.cwd()).unref();
      }
      child.unref();
      process.exit(0);
    }, 100).unref();
    return { from: opts.root, to: release };
  };
}

function listeningPid(dataDir: string): number | undefined {
  try {
    return Number(JSON.parse(readFileSync(join(dataDir, 'endpoint.json'), 'utf8')).pid);
  } catch {
    return undefined;
  }
}
