/**
 * The boot images Strata serves over HTTP itself (deploy kernels and
 * ramdisks, instance ramdisks): flat files in one directory, so driver_info
 * can name `…/baremetal/boot/images/<name>`. Names are plain file names;
 * uploads land in a temporary file and replace the old one atomically.
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync, type ReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { InvalidInputError, NotFoundError, PayloadTooLargeError } from '../../core/index.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface BootImageInfo {
  name: string;
  size: number;
  updated_at: number;
}

export class BootImages {
  constructor(
    readonly dir: string,
    private readonly maxBytes = 4 * 1024 ** 3,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  }

  private path(name: string): string {
    if (!NAME.test(name)) throw new InvalidInputError(`boot image name ${JSON.stringify(name)} must be letters, digits, ".", "_" or "-" (at most 128)`);
    return join(this.dir, name);
  }

  list(): BootImageInfo[] {
    return readdirSync(this.dir)
      .filter((n) => NAME.test(n))
      .map((name) => {
        const s = statSync(join(this.dir, name));
        return s.isFile() ? { name, size: s.size, updated_at: Math.round(s.mtimeMs) } : null;
      })
      .filter((x): x is BootImageInfo => x !== null)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  stat(name: string): BootImageInfo {
    const p = this.path(name);
    try {
      const s = statSync(p);
      if (s.isFile()) return { name, size: s.size, updated_at: Math.round(s.mtimeMs) };
    } catch {
      /* fall through */
    }
    throw new NotFoundError(`boot image ${name} not found`, { image: name });
  }

  open(name: string): { info: BootImageInfo; stream: ReadStream } {
    const info = this.stat(name);
    return { info, stream: createReadStream(this.path(name)) };
  }

  /** Stores a stream as `name`, replacing any previous image only once the whole body arrived. */
  async put(name: string, body: Readable): Promise<BootImageInfo> {
    const p = this.path(name);
    const tmp = join(this.dir, `.${name}.${process.pid}.${Date.now()}.part`);
    let seen = 0;
    const limit = this.maxBytes;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        if (seen > limit) done(new PayloadTooLargeError(`boot image ${name} is larger than ${limit} bytes`));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(tmp, { mode: 0o644 }));
      renameSync(tmp, p);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return this.stat(name);
  }

  remove(name: string): void {
    this.stat(name);
    rmSync(this.path(name), { force: true });
  }
}
