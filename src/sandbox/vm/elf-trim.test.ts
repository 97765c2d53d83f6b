import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trimElf } from './elf-trim.js';

/** An ELF64 with two PT_LOAD segments, the second ending in zeros, and section headers at the end. */
function sampleElf(): Buffer {
  const b = Buffer.alloc(0x3000);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2;
  b[5] = 1;
  b.writeBigUInt64LE(0x40n, 0x20); // phoff
  b.writeBigUInt64LE(0x2800n, 0x28); // shoff
  b.writeUInt16LE(56, 0x36);
  b.writeUInt16LE(2, 0x38);
  b.writeUInt16LE(3, 0x3c);
  const seg = (i: number, off: number, filesz: number, memsz: number) => {
    const at = 0x40 + i * 56;
    b.writeUInt32LE(1, at);
    b.writeBigUInt64LE(BigInt(off), at + 8);
    b.writeBigUInt64LE(BigInt(filesz), at + 32);
    b.writeBigUInt64LE(BigInt(memsz), at + 40);
  };
  seg(0, 0x1000, 0x800, 0x800);
  b.fill(0xaa, 0x1000, 0x1800);
  seg(1, 0x1800, 0x1000, 0x2000);
  b.fill(0xbb, 0x1800, 0x1900); // then 0xf00 zero bytes
  b.fill(0xcc, 0x2800, 0x3000); // "section headers"
  return b;
}

test('trailing zeros of segments become memory-only and section headers go', () => {
  const t = trimElf(sampleElf());
  assert.equal(Number(t.readBigUInt64LE(0x40 + 56 + 32)), 0x100, 'filesz of the second segment');
  assert.equal(Number(t.readBigUInt64LE(0x40 + 56 + 40)), 0x2000, 'memsz unchanged');
  assert.equal(Number(t.readBigUInt64LE(0x40 + 32)), 0x800, 'a segment without trailing zeros is kept');
  assert.equal(t.length, 0x1900);
  assert.equal(Number(t.readBigUInt64LE(0x28)), 0);
  assert.equal(t.readUInt16LE(0x3c), 0);
  assert.throws(() => trimElf(Buffer.from('not an elf at all, clearly not an elf file......................')), /not a little-endian ELF64/);
});
