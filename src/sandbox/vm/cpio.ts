/**
 * A cpio "newc" archive writer (pure), the format Linux unpacks an
 * initramfs from. Device nodes are written as entries, so building an
 * initramfs needs no mknod on the host.
 */
export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Buffer; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'char'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

function record(ino: number, mode: number, name: string, data: Buffer, rdevMajor = 0, rdevMinor = 0): Buffer[] {
  const nameBuf = Buffer.from(`${name}\0`);
  const header = Buffer.from(
    '070701' +
      hex8(ino) +
      hex8(mode) +
      hex8(0) + // uid
      hex8(0) + // gid
      hex8(mode & S_IFDIR ? 2 : 1) + // nlink
      hex8(0) + // mtime: fixed, so the archive's bytes depend only on its content
      hex8(data.length) +
      hex8(0) +
      hex8(0) + // dev major/minor
      hex8(rdevMajor) +
      hex8(rdevMinor) +
      hex8(nameBuf.length) +
      hex8(0), // check
    'latin1',
  );
  return [header, nameBuf, pad4(header.length + nameBuf.length), data, pad4(data.length)];
}

export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    switch (e.type) {
      case 'dir':
        parts.push(...record(ino++, S_IFDIR | (e.mode ?? 0o755), name, Buffer.alloc(0)));
        break;
      case 'file':
        parts.push(...record(ino++, S_IFREG | (e.mode ?? 0o644), name, e.data));
        break;
      case 'symlink':
        parts.push(...record(ino++, S_IFLNK | 0o777, name, Buffer.from(e.target)));
        break;
      case 'char':
        parts.push(...record(ino++, S_IFCHR | (e.mode ?? 0o600), name, Buffer.alloc(0), e.major, e.minor));
        break;
    }
  }
  parts.push(...record(0, 0, 'TRAILER!!!', Buffer.alloc(0)));
  return Buffer.concat(parts);
}
