/**
 * The `accel` module: discovery on this host (at start, then periodically,
 * reporting changes), the Cyborg-compatible API at /accelerator, bitstream
 * images at /image, the `accel` service, and its hooks into the other
 * modules: the sandbox service binds accelerators through it when a
 * sandbox asks for them, and releases them when the sandbox goes.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidInputError, type ModuleContext, type StrataModule } from '../core/index.js';
import { DRIVER_NAMES, presentDrivers, selectDrivers, type DriverEnv } from './drivers/index.js';
import { accelMigrations } from './db/migrations.js';
import { arqSpec } from './states.js';
import { AccelService } from './service.js';
import { accelApi } from './api/plugin.js';
import { imageApi } from './api/images.js';

const MiB = 1024 ** 2;

function option(ctx: ModuleContext, name: string): string | undefined {
  const v = ctx.config.options[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function seconds(ctx: ModuleContext, name: string, flag: string, fallback: number): number {
  const raw = option(ctx, name);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new InvalidInputError(`${flag} must be a number of seconds (0 turns it off), not "${raw}"`);
  return n;
}

/** What the sandbox service offers accel (kept structural: accel does not import sandbox's files). */
interface SandboxHooks {
  useDeviceBinder(b: { bind(caller: any, sandboxId: string, entries: string[]): Promise<{ deviceNodes: string[]; pciAddress?: string; env: Record<string, string> }[]>; release(sandboxId: string): Promise<void> }): void;
  isAlive(id: string): Promise<boolean | undefined>;
}

export const accelModule: StrataModule = {
  name: 'accel',
  migrations: accelMigrations,
  machines: [arqSpec],
  async create(ctx) {
    const sysfsRoot = resolve(option(ctx, 'accelSysfsRoot') ?? '/sys');
    const env: DriverEnv = {
      sysfsRoot,
      devRoot: resolve(option(ctx, 'accelDevRoot') ?? '/dev'),
      nvidiaSmi: option(ctx, 'accelNvidiaSmi') ?? (existsSync('/usr/bin/nvidia-smi') ? '/usr/bin/nvidia-smi' : undefined),
    };
    const names = option(ctx, 'accelDrivers');
    let drivers;
    try {
      drivers = names === undefined ? presentDrivers(env) : names === 'none' ? [] : selectDrivers(names.split(',').map((s) => s.trim()).filter(Boolean));
    } catch (e) {
      throw new InvalidInputError(`${(e as Error).message}`);
    }
    const maxImage = option(ctx, 'accelImageLimit');
    const maxImageBytes = maxImage === undefined ? 512 * MiB : Number(maxImage);
    if (!Number.isSafeInteger(maxImageBytes) || maxImageBytes <= 0) throw new InvalidInputError(`--accel-image-limit must be a positive number of bytes, not "${maxImage}"`);
    const interval = seconds(ctx, 'accelDiscoveryInterval', '--accel-discovery-interval', 60);
    const service = new AccelService(ctx.store.db, ctx.tasks, ctx.log, {
      drivers,
      env,
      hostname: option(ctx, 'accelHostname') ?? hostname(),
      imageDir: join(ctx.config.dataDir, 'accel-images'),
      maxImageBytes,
    });
    ctx.services.provide('accel', service);
    const sandbox = ctx.services.maybe<SandboxHooks>('sandbox');
    const metal = ctx.services.maybe<{ nodeExists?(uuid: string): Promise<boolean> }>('metal');
    service.useInstanceProbe({
      async alive(kind, uuid) {
        if (kind === 'sandbox') return sandbox ? sandbox.isAlive(uuid) : undefined;
        return metal?.nodeExists ? metal.nodeExists(uuid) : undefined;
      },
    });
    sandbox?.useDeviceBinder({ bind: (caller, id, entries) => service.bindFor(caller, id, entries), release: (id) => service.releaseFor(id) });
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      await service.discover().catch((err) => ctx.log.warn({ err }, 'accelerator discovery failed'));
      await service.reconcile().catch((err) => ctx.log.warn({ err }, 'releasing accelerators of gone instances failed'));
    };
    return {
      mounts: [
        {
          prefix: '/accelerator',
          plugin: accelApi({
            service,
            prefix: '/accelerator',
            async instanceKind(uuid) {
              if (sandbox && (await sandbox.isAlive(uuid))) return 'sandbox';
              if (metal?.nodeExists && (await metal.nodeExists(uuid))) return 'node';
              return undefined;
            },
          }),
        },
        { prefix: '/image', plugin: imageApi(service.images, '/image') },
      ],
      async start() {
        ctx.log.info({ drivers: drivers.map((d) => d.name), known: DRIVER_NAMES, sysfsRoot }, 'accelerator drivers');
        await tick();
        if (interval > 0) {
          timer = setInterval(() => void tick(), interval * 1000);
          timer.unref();
        }
      },
      async stop() {
        clearInterval(timer);
      },
    };
  },
};
