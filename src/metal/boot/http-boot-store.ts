/**
 * Where prepared boot scripts live between a conductor preparing a boot and
 * cleaning it up: one file per node, `<root>/<node uuid>/boot.ipxe`, written
 * atomically (Ironic keeps the same under /httpboot/<uuid>/config). The HTTP
 * side reads a node's script after resolving a MAC to that node; nothing is
 * reachable by walking the directory.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../../core/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class HttpBootStore {
  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  private dir(nodeUuid: string): string {
    if (!UUID.test(nodeUuid)) throw new InvalidInputError(`boot store: ${JSON.stringify(nodeUuid)} is not a node UUID`);
    return join(this.root, nodeUuid.toLowerCase());
  }

  /** Replaces the node's boot script. */
  write(nodeUuid: string, script: string): void {
    const dir = this.dir(nodeUuid);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.boot.ipxe.${process.pid}.${Date.now()}`);
    writeFileSync(tmp, script, { mode: 0o600 });
    renameSync(tmp, join(dir, 'boot.ipxe'));
  }

  /** The node's boot script, or null when none is prepared. */
  read(nodeUuid: string): string | null {
    try {
      return readFileSync(join(this.dir(nodeUuid), 'boot.ipxe'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  remove(nodeUuid: string): void {
    rmSync(this.dir(nodeUuid), { recursive: true, force: true });
  }
}
