/** Tar, one codec both ways: streaming reader and index (reader.ts), streaming and in-memory writer (writer.ts), hostile-archive unpacking (extract.ts). */
export { BLOCK, TarError, parseHeader, type TarEntryType, type TarHeader } from './format.js';
export { readTar, indexTarFile, type TarStreamEntry, type TarMember, type ReadTarOptions } from './reader.js';
export { tarStream, hostPathEntries, writeTar, type TarEntry, type TarWriteEntry } from './writer.js';
export { extractTar, entryParts, type ExtractOptions, type ExtractResult } from './extract.js';
