/**
 * What runc and runsc share: an OCI bundle over the overlay root, the agent
 * as the container's process with its stdio as the protocol stream
 * (`<runtime> run` in the foreground passes its own stdio through), and the
 * container recorded in the ledger so destroy (or a later start-up) deletes it.
 */
import { deviceNodes } from '../devices.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOk } from '../../../core/host/index.js';
import { prepareOverlayRoot, STANDARD_DIRS, AGENT_PATH } from '../../rootfs/overlay-rootfs.js';
import { startRuntime, type StartOptions } from '../launch.js';
import { planLimits, type LimitWays } from '../limit-plans.js';
import type { CgroupSupport } from '../../limits/cgroups.js';
import type { NormalizedSpec } from '../../model/spec.js';
import type { HostCheck, Isolation, LimitPlan, Runtime, RuntimeInstance, RuntimeStartContext } from '../runtime.js';
import { ociConfig, type OciPlan } from './oci-spec.js';

export abstract class OciContainerRuntime implements Runtime {
  abstract readonly name: string;
  abstract readonly isolation: Isolation;
  abstract readonly description: string;
  readonly hostFilesystem = false;
  /** runc or runsc */
  protected abstract readonly binary: 'runc' | 'runsc';
  protected abstract readonly debianPackage: string;

  /** Global flags before the `run` subcommand. */
  protected abstract globalFlags(ctx: RuntimeStartContext): string[];
  /** The runtime-specific parts of the bundle. */
  protected abstract bundlePlan(ctx: RuntimeStartContext): Pick<OciPlan, 'agentArgs' | 'agentCapabilities' | 'network' | 'resources' | 'cgroupsPath'>;

  /** How it enforces limits (limit-plans.ts). */
  protected abstract readonly limitWays: LimitWays;
  /** Where the runtime's own process starts (e.g. inside the sandbox's network namespace). */
  protected readonly enter: StartOptions['enter'] = undefined;

  planLimits(spec: NormalizedSpec, cgroups: CgroupSupport): LimitPlan {
    return planLimits(this.name, spec, cgroups, this.limitWays);
  }

  async check(): Promise<HostCheck> {
    try {
      const { stdout } = await runOk([this.binary, '--version'], { timeoutMs: 10_000 });
      return { ok: true, versions: { [this.binary]: stdout.split('\n')[0].trim() }, problems: [] };
    } catch (err) {
      return { ok: false, versions: {}, problems: [`${this.binary}: ${(err as Error).message} (install Debian ${this.debianPackage})`] };
    }
  }

  defaultCwd(): string {
    return '/';
  }

  protected stateRoot(ctx: RuntimeStartContext): string {
    return join(ctx.runtimeStateDir, this.binary);
  }

  async start(ctx: RuntimeStartContext): Promise<RuntimeInstance> {
    const root = await prepareOverlayRoot({
      lower: ctx.image.rootfs,
      stateDir: join(ctx.stateDir, 'rootfs'),
      ledger: ctx.ledger,
      dirs: [...STANDARD_DIRS, '/dev/pts', '/dev/shm', '/dev/mqueue', ...ctx.spec.mounts.map((m) => m.target)],
      files: [AGENT_PATH],
    });
    const bundle = join(ctx.stateDir, 'bundle');
    await mkdir(bundle, { recursive: true });
    const config = ociConfig({ root, agentBinary: ctx.agentBinary, hostname: ctx.spec.hostname, mounts: ctx.spec.mounts, devices: deviceNodes(ctx.spec.devices), ...this.bundlePlan(ctx) });
    await writeFile(join(bundle, 'config.json'), JSON.stringify(config, null, 1));
    const stateRoot = this.stateRoot(ctx);
    await mkdir(stateRoot, { recursive: true, mode: 0o700 });
    await ctx.ledger.add({ kind: 'container', runtime: this.binary, root: stateRoot, id: ctx.id });
    const argv = [this.binary, '--root', stateRoot, ...this.globalFlags(ctx), 'run', '--bundle', bundle, ctx.id];
    return startRuntime(ctx, argv, {
      what: this.binary,
      cwd: bundle,
      enter: this.enter,
      stop: async () => {
        // The agent has been asked to exit; make sure the container is gone before the ledger deletes it.
        await runOk([this.binary, '--root', stateRoot, 'kill', ctx.id, 'KILL'], { timeoutMs: 10_000, okCodes: [1] }).catch(() => {});
      },
    });
  }
}
