import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The last `maxBytes` of a file ('' when it cannot be read). */
export function fileTail(path: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(size, maxBytes);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, size - n);
    return buf.toString();
  } finally {
    closeSync(fd);
  }
}
