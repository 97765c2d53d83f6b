/**
 * The `sandbox` module: the SandboxManager of this host behind the API under
 * /sandbox/api, sandbox records in the store (so `ls` works and a restarted
 * server marks what died with its predecessor `lost`), and the `sandbox`
 * service other modules use (the gate runs its jobs in sandboxes through it).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidInputError, faults, type ModuleContext, type StrataModule } from '../core/index.js';
import { sandboxRoutes } from './api/index.js';
import { SandboxService } from './service/index.js';
import { recordMachine } from './db/lifecycle.js';
import { sandboxMigrations } from './db/migrations.js';
import { parseRuntimeClasses, type RuntimeClass } from './manager/index.js';
import { sandboxMachineSpec } from './model/index.js';
import { BUILTIN_RUNTIME_NAMES } from './runtimes/index.js';
import type { RUNTIME_OFFERS as Offers } from '../gate/index.js';

/** The gate's service name for build runtimes (checked against the gate's, which is not loaded with this module). */
const RUNTIME_OFFERS: typeof Offers = 'build-runtimes';

const GiB = 1024 ** 3;

function option(ctx: ModuleContext, name: string): string | undefined {
  const v = ctx.config.options[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

async function loadClasses(file: string): Promise<RuntimeClass[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new InvalidInputError(`--sandbox-classes ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  const { load } = await import('js-yaml');
  let doc: unknown;
  try {
    doc = load(text, { filename: file });
  } catch (err) {
    throw new InvalidInputError(`--sandbox-classes ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { runtimeClasses?: unknown })?.runtimeClasses;
  try {
    return parseRuntimeClasses(list, BUILTIN_RUNTIME_NAMES, file);
  } catch (err) {
    throw new InvalidInputError((err as Error).message);
  }
}

export const sandboxModule: StrataModule = {
  name: 'sandbox',
  migrations: sandboxMigrations,
  // the library's lifecycle of a live sandbox, and its record's: the same table extended by lost
  machines: [sandboxMachineSpec, recordMachine.spec],
  async create(ctx) {
    const limit = option(ctx, 'sandboxCopyLimit');
    const copyLimit = limit === undefined ? GiB : Number(limit);
    if (!Number.isSafeInteger(copyLimit) || copyLimit <= 0) throw new InvalidInputError(`--sandbox-copy-limit must be a positive number of bytes (got "${limit}")`);
    const classesFile = option(ctx, 'sandboxClasses');
    const service = await SandboxService.open(ctx.store.db, ctx.log, {
      stateDir: resolve(option(ctx, 'sandboxState') ?? join(ctx.config.dataDir, 'sandbox')),
      cacheDir: option(ctx, 'sandboxCache'),
      classes: classesFile ? await loadClasses(classesFile) : undefined,
      defaultClass: option(ctx, 'sandboxDefaultClass'),
      copyLimit,
      imageRoots: (option(ctx, 'sandboxImageRoots') ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((p) => resolve(p)),
      url: () => ctx.url(),
      faults: faults(ctx.services, ctx.log),
    });
    ctx.services.provide('sandbox', service);
    // the gate's build runtimes, one per runtime class (the gate's contract, which it looks up by name)
    ctx.services.provide(RUNTIME_OFFERS, service.buildRuntimes());
    return {
      mounts: [{ prefix: '/sandbox/api', plugin: sandboxRoutes(service) }],
      start: () => service.start(),
      stop: (opts) => service.stop(opts),
    };
  },
};
