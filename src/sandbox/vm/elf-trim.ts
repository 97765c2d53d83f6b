/**
 * Shrinks the guest kernel's ELF image without changing what gets loaded
 * (pure): the zero bytes at the end of each PT_LOAD segment (the kernel's
 * .bss and brk area, ~23 MiB for Debian's 6.1) become memory-only
 * (p_filesz < p_memsz, which loaders zero-fill), and the section headers,
 * which loaders ignore, go. QEMU keeps the file mapped for the VM's whole
 * life, so this is host memory every VM saves.
 */
const PT_LOAD = 1;

export function trimElf(elf: Buffer): Buffer {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) throw new Error('not a little-endian ELF64 file');
  const out = Buffer.from(elf);
  const phoff = Number(out.readBigUInt64LE(0x20));
  const phentsize = out.readUInt16LE(0x36);
  const phnum = out.readUInt16LE(0x38);
  let end = phoff + phentsize * phnum;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const type = out.readUInt32LE(at);
    const offset = Number(out.readBigUInt64LE(at + 8));
    let filesz = Number(out.readBigUInt64LE(at + 32));
    if (type === PT_LOAD) {
      while (filesz > 0 && out[offset + filesz - 1] === 0) filesz--;
      out.writeBigUInt64LE(BigInt(filesz), at + 32);
    }
    end = Math.max(end, offset + filesz);
  }
  // no section headers: nothing after the last byte a segment or header uses
  out.writeBigUInt64LE(0n, 0x28);
  out.writeUInt16LE(0, 0x3c);
  out.writeUInt16LE(0, 0x3e);
  return out.subarray(0, end);
}
