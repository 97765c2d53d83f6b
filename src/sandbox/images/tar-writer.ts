/**
 * A minimal ustar writer (with pax records for long names). The sandbox
 * reads tars; this writes them for tests and fixtures that build images
 * without a `tar` binary.
 */
export interface TarWriteEntry {
  path: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink';
  mode?: number;
  data?: Buffer | string;
  linkname?: string;
  uid?: number;
  gid?: number;
}

const FLAGS = { file: '0', hardlink: '1', symlink: '2', dir: '5' } as const;

function header(name: string, typeflag: string, size: number, mode: number, linkname: string, uid: number, gid: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(mode.toString(8).padStart(7, '0') + '\0', 100, 'latin1');
  h.write(uid.toString(8).padStart(7, '0') + '\0', 108, 'latin1');
  h.write(gid.toString(8).padStart(7, '0') + '\0', 116, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write((1700000000).toString(8).padStart(11, '0') + '\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(typeflag, 156, 'latin1');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

function pad(n: number): Buffer {
  return Buffer.alloc((512 - (n % 512)) % 512);
}

export function writeTar(entries: TarWriteEntry[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
    const mode = e.mode ?? (type === 'dir' ? 0o755 : 0o644);
    const link = e.linkname ?? '';
    if (Buffer.byteLength(e.path) > 99 || Buffer.byteLength(link) > 99) {
      let records = '';
      for (const [k, v] of [['path', e.path], ['linkpath', link]] as const) {
        if (!v) continue;
        const body = ` ${k}=${v}\n`;
        let len = body.length + 1;
        while (String(len).length + body.length !== len) len = String(len).length + body.length;
        records += `${len}${body}`;
      }
      const pax = Buffer.from(records);
      out.push(header('PaxHeader', 'x', pax.length, 0o644, '', 0, 0), pax, pad(pax.length));
    }
    out.push(header(e.path.slice(0, 99), FLAGS[type], data.length, mode, link.slice(0, 99), e.uid ?? 0, e.gid ?? 0), data, pad(data.length));
  }
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}
