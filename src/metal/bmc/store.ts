/**
 * Where emulated machines live: in memory, or in a state directory that
 * several processes share (the Redfish service, the ipmi_sim hook). On disk,
 * each machine is one JSON file written atomically (temp file + rename) under
 * an exclusive lock file, so a hook and the service never lose each other's
 * changes; every read goes back to the file.
 *
 *   DIR/systems/<id>.json   the record
 *   DIR/systems/<id>.lock   held during a read-modify-write
 *   DIR/systems/<id>/       the machine's files (disk image, QMP socket, console log)
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, openSync, closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineRecord } from './machine.js';

export interface MachineStore {
  list(): Promise<MachineRecord[]>;
  get(id: string): Promise<MachineRecord | undefined>;
  create(r: MachineRecord): Promise<void>;
  /** Locked read-modify-write; `fn` may return the record unchanged. */
  update(id: string, fn: (r: MachineRecord) => MachineRecord | Promise<MachineRecord>): Promise<MachineRecord>;
  /** The machine's own directory (created on demand). */
  dirOf(id: string): string;
  readonly persistent: boolean;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkMachineId(id: string): string {
  if (!ID_RE.test(id)) throw new Error(`invalid system id "${id}": use letters, digits, ".", "_" and "-" (at most 64)`);
  return id;
}

/** Serializes async work per key inside this process. */
class KeyedMutex {
  private tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

export class MemoryMachineStore implements MachineStore {
  readonly persistent = false;
  private readonly records = new Map<string, MachineRecord>();
  private readonly mutex = new KeyedMutex();

  /** `workDir` holds the machines' files (QEMU disks and sockets) when they need any. */
  constructor(private readonly workDir?: string) {}

  async list() {
    return [...this.records.values()].map((r) => structuredClone(r));
  }
  async get(id: string) {
    const r = this.records.get(id);
    return r && structuredClone(r);
  }
  async create(r: MachineRecord) {
    if (this.records.has(r.id)) throw new Error(`system ${r.id} already exists`);
    this.records.set(r.id, structuredClone(r));
  }
  update(id: string, fn: (r: MachineRecord) => MachineRecord | Promise<MachineRecord>) {
    return this.mutex.run(id, async () => {
      const cur = this.records.get(id);
      if (!cur) throw new Error(`no system ${id}`);
      const next = await fn(structuredClone(cur));
      this.records.set(id, structuredClone(next));
      return structuredClone(next);
    });
  }
  dirOf(id: string) {
    if (!this.workDir) throw new Error('this in-memory BMC has no working directory');
    const d = join(this.workDir, checkMachineId(id));
    mkdirSync(d, { recursive: true });
    return d;
  }
}

export class DirMachineStore implements MachineStore {
  readonly persistent = true;
  private readonly mutex = new KeyedMutex();
  private readonly root: string;

  constructor(readonly dir: string, private readonly lockTimeoutMs = 10_000) {
    this.root = join(dir, 'systems');
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
  }

  private file(id: string) {
    return join(this.root, `${checkMachineId(id)}.json`);
  }

  private read(id: string): MachineRecord | undefined {
    const f = this.file(id);
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as MachineRecord;
    } catch (err) {
      throw new Error(`${f}: not valid JSON (${(err as Error).message})`);
    }
  }

  private write(r: MachineRecord) {
    const f = this.file(r.id);
    const tmp = `${f}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(r, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, f);
  }

  /** An exclusive lock file; one older than the timeout is taken to be left by a dead process. */
  private async withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const lock = join(this.root, `${checkMachineId(id)}.lock`);
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx', 0o600));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        try {
          if (Date.now() - statSync(lock).mtimeMs > this.lockTimeoutMs) rmSync(lock, { force: true });
        } catch {
          // gone already
        }
        if (Date.now() > deadline) throw new Error(`${lock}: still locked after ${this.lockTimeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    try {
      return await fn();
    } finally {
      rmSync(lock, { force: true });
    }
  }

  async list() {
    const ids = readdirSync(this.root)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    return ids.map((id) => this.read(id)).filter((r): r is MachineRecord => !!r);
  }
  async get(id: string) {
    return this.read(id);
  }
  async create(r: MachineRecord) {
    await this.mutex.run(r.id, () =>
      this.withLock(r.id, async () => {
        if (existsSync(this.file(r.id))) throw new Error(`system ${r.id} already exists in ${this.root}`);
        this.write(r);
      }),
    );
  }
  update(id: string, fn: (r: MachineRecord) => MachineRecord | Promise<MachineRecord>) {
    return this.mutex.run(id, () =>
      this.withLock(id, async () => {
        const cur = this.read(id);
        if (!cur) throw new Error(`no system ${id} in ${this.root}`);
        const next = await fn(cur);
        if (next !== cur) this.write(next);
        return next;
      }),
    );
  }
  dirOf(id: string) {
    const d = join(this.root, checkMachineId(id));
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  }
}
