/**
 * Creates, lists and destroys sandboxes on this host. Creation is one
 * sequence (validate, resolve the runtime, plan limits, resolve the image,
 * create cgroup and network, start the runtime, wait for the agent); every
 * host resource is recorded in the sandbox's ledger before it is relied on,
 * so a failure at any step releases everything, and a manager opened after
 * a crash releases what the crashed one left.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentClient } from '../agent/agent-client.js';
import { ensureAgentBinary } from '../agent/agent-build.js';
import { packageRoot } from '../../core/host/index.js';
import { defaultCacheDir } from '../cache/index.js';
import { resolveImage } from '../images/resolve-image.js';
import { detectCgroups, SandboxCgroup, CGROUP_PARENT, type CgroupSupport } from '../limits/cgroups.js';
import { createNetwork, hostIfFor, netnsNameFor } from '../limits/network.js';
import { SandboxError } from '../model/errors.js';
import { validateSpec, type NormalizedSpec, type SandboxSpec } from '../model/spec.js';
import type { ResolvedImage } from '../images/image-types.js';
import { adoptInstance } from '../runtimes/supervised.js';
import { SupervisorHandle } from '../supervisor/client.js';
import type { OrphanExec } from '../supervisor/protocol.js';
import { builtinRuntimes, RuntimeRegistry } from '../runtimes/registry.js';
import type { HostCheck, LimitEnforcement, Logger, Runtime, RuntimeInstance } from '../runtimes/runtime.js';
import { LEDGER_FILE, ResourceLedger } from './resources.js';
import { RuntimeClasses, type RuntimeClass } from './runtime-classes.js';
import { Sandbox, type SandboxInfo } from './sandbox.js';

export interface SandboxManagerOptions {
  /** where sandboxes keep their state (overlays, bundles, sockets, ledgers) */
  stateDir?: string;
  /** where build artefacts and unpacked images are cached */
  cacheDir?: string;
  runtimes?: Runtime[];
  classes?: readonly RuntimeClass[];
  /** the class used when a spec names neither runtime nor class */
  defaultClass?: string;
  log?: Logger;
  /** how long the agent may take to answer (default 30 s; 180 s for vm under TCG) */
  startTimeoutMs?: number;
  /**
   * Run each sandbox under its own supervisor process (src/sandbox/supervisor),
   * so it outlives this process and a later manager adopts it (the server does
   * this; a one-shot CLI run does not need it).
   */
  supervised?: boolean;
}

export const stderrLogger: Logger = {
  info: (msg) => process.stderr.write(`strata sandbox: ${msg}\n`),
  warn: (msg) => process.stderr.write(`strata sandbox: warning: ${msg}\n`),
};

export function defaultStateDir(): string {
  return process.env.STRATA_SANDBOX_STATE ?? join(packageRoot(), 'data', 'sandbox');
}

const SANDBOXES = 'sandboxes';

export class SandboxManager {
  readonly stateDir: string;
  readonly cacheDir: string;
  readonly registry: RuntimeRegistry;
  readonly classes: RuntimeClasses;
  private readonly log: Logger;
  private readonly defaultClass: string;
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly checks = new Map<string, Promise<HostCheck>>();
  private readonly startTimeoutMs: number | undefined;
  private readonly supervised: boolean;
  private adoptedIds: string[] = [];

  private constructor(opts: SandboxManagerOptions) {
    this.stateDir = opts.stateDir ?? defaultStateDir();
    this.cacheDir = opts.cacheDir ?? defaultCacheDir();
    this.registry = new RuntimeRegistry(opts.runtimes ?? builtinRuntimes());
    this.classes = new RuntimeClasses(opts.classes);
    this.defaultClass = opts.defaultClass ?? 'default';
    this.log = opts.log ?? stderrLogger;
    this.startTimeoutMs = opts.startTimeoutMs;
    this.supervised = opts.supervised ?? false;
  }

  /** Sandboxes a previous manager started whose supervisors still run them: this manager now owns them. */
  get adopted(): readonly string[] {
    return this.adoptedIds;
  }

  /** Opens a manager on a state directory, releasing what a crashed manager left there. */
  static async open(opts: SandboxManagerOptions = {}): Promise<SandboxManager> {
    const m = new SandboxManager(opts);
    await mkdir(join(m.stateDir, SANDBOXES), { recursive: true });
    await m.reapOrphans();
    return m;
  }

  /**
   * Takes over the sandboxes no live manager owns: those whose supervisor
   * still runs them are adopted; the ledgers of the rest are released (what a
   * crash left).
   */
  async reapOrphans(): Promise<string[]> {
    const reaped: string[] = [];
    const dir = join(this.stateDir, SANDBOXES);
    for (const id of await readdir(dir).catch(() => [] as string[])) {
      if (this.sandboxes.has(id)) continue;
      const ownerFile = join(dir, id, 'owner');
      const owner = Number((await readFile(ownerFile, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && existsSync(`/proc/${owner}`)) continue; // another live manager's
      if (owner === process.pid) continue;
      if (await this.adopt(id, join(dir, id))) continue;
      const ledgerFile = join(dir, id, LEDGER_FILE);
      if (existsSync(ledgerFile)) {
        const ledger = await ResourceLedger.load(ledgerFile).catch(() => undefined);
        const problems = ledger ? await ledger.releaseAll() : [];
        if (problems.length) this.log.warn(`orphaned sandbox ${id}: ${problems.join('; ')}`);
      }
      reaped.push(id);
    }
    if (reaped.length) this.log.info(`released ${reaped.length} sandbox(es) left by a previous run: ${reaped.join(', ')}`);
    return reaped;
  }

  /** Probes a runtime's host prerequisites (once per manager). */
  check(name: string): Promise<HostCheck> {
    const runtime = this.registry.get(name);
    let p = this.checks.get(name);
    if (!p) {
      p = runtime.check();
      this.checks.set(name, p);
    }
    return p;
  }

  get(id: string): Sandbox {
    const s = this.sandboxes.get(id);
    if (!s) throw new SandboxError('not_found', `no sandbox ${JSON.stringify(id)}`, { sandbox: id });
    return s;
  }

  list(): SandboxInfo[] {
    return [...this.sandboxes.values()].map((s) => s.info());
  }

  async destroy(id: string): Promise<void> {
    await this.get(id).destroy();
  }

  /**
   * What the execs of earlier servers did in a sandbox this manager adopted
   * (their output tail and exit), kept by its supervisor while nobody read them.
   */
  async earlierExecs(id: string): Promise<OrphanExec[]> {
    this.get(id);
    if (!this.supervised) return [];
    return new SupervisorHandle(join(this.stateDir, SANDBOXES, id), id).orphans();
  }

  /** Lets go of every sandbox without stopping it: their supervisors keep them for the next manager. */
  detachAll(): void {
    for (const s of this.sandboxes.values()) s.detach();
    this.sandboxes.clear();
  }

  async destroyAll(): Promise<void> {
    const results = await Promise.allSettled([...this.sandboxes.values()].map((s) => s.destroy()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length) throw failed[0].reason;
  }

  /** Adopts a sandbox whose supervisor still runs it; false when there is none to adopt. */
  private async adopt(id: string, stateDir: string): Promise<boolean> {
    const manifest = JSON.parse(await readFile(join(stateDir, MANIFEST), 'utf8').catch(() => 'null')) as SandboxManifest | null;
    if (!manifest || !this.registry.has(manifest.runtime)) return false;
    const handle = new SupervisorHandle(stateDir, id);
    const status = await handle.status().catch(() => undefined);
    if (status?.state !== 'running') {
      await handle.shutdown().catch(() => undefined);
      return false;
    }
    const ledger = await ResourceLedger.load(join(stateDir, LEDGER_FILE)).catch(() => new ResourceLedger(join(stateDir, LEDGER_FILE)));
    const runtime = this.registry.get(manifest.runtime);
    const label = `sandbox ${id} (${runtime.name})`;
    try {
      const instance = await adoptInstance(handle, status, () => '');
      const agent = new AgentClient(instance.channel, { label, describeClose: () => describeEnd(instance) });
      await withTimeout(agent.waitHello(), 10_000, () => `${label}: its supervisor did not relay the agent's HELLO`);
      await writeFile(join(stateDir, 'owner'), String(process.pid));
      const sandbox = new Sandbox({
        id,
        spec: manifest.spec,
        runtime,
        runtimeClass: manifest.runtimeClass,
        image: manifest.image,
        stateDir,
        instance,
        agent,
        ledger,
        limits: manifest.limits,
        log: this.log,
        network: manifest.network,
        createdAt: new Date(manifest.createdAt),
        onGone: (gone) => this.sandboxes.delete(gone),
      });
      this.sandboxes.set(id, sandbox);
      this.adoptedIds.push(id);
      this.log.info(`adopted sandbox ${id} (${runtime.name}): its supervisor (pid ${status.supervisorPid}) kept it running`);
      return true;
    } catch (err) {
      this.log.warn(`sandbox ${id}: could not adopt it from its supervisor: ${(err as Error).message}`);
      return false;
    }
  }

  private pickRuntime(spec: { runtime?: string; runtimeClass?: string }): { runtime: Runtime; runtimeClass?: string } {
    if (spec.runtime) return { runtime: this.registry.get(spec.runtime) };
    const cls = this.classes.get(spec.runtimeClass ?? this.defaultClass);
    return { runtime: this.registry.get(cls.runtime), runtimeClass: cls.name };
  }

  async create(input: SandboxSpec): Promise<Sandbox> {
    const spec = validateSpec(input);
    const { runtime, runtimeClass } = this.pickRuntime(spec);
    const check = await this.check(runtime.name);
    if (!check.ok) throw new SandboxError('runtime_unavailable', `runtime ${runtime.name} is not usable on this host: ${check.problems.join('; ')}`, { runtime: runtime.name });
    for (const [i, m] of spec.mounts.entries()) {
      const st = await stat(m.source).catch(() => undefined);
      if (!st?.isDirectory()) throw new SandboxError('invalid_spec', `sandbox spec mounts[${i}].source: ${m.source} is not a directory on this host`, { path: `mounts[${i}].source` });
    }
    const support: CgroupSupport = detectCgroups();
    const plan = runtime.planLimits(spec, support);
    for (const l of plan.report) if (l.warning) this.log.warn(l.warning);

    const id = randomBytes(6).toString('hex');
    const stateDir = join(this.stateDir, SANDBOXES, id);
    const ledger = new ResourceLedger(join(stateDir, LEDGER_FILE));
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await ledger.add({ kind: 'dir', path: stateDir });
    await writeFile(join(stateDir, 'owner'), String(process.pid));
    let instance: RuntimeInstance | undefined;
    let agent: AgentClient | undefined;
    try {
      const [image, agentBinary] = await Promise.all([resolveImage(spec.image, this.cacheDir), ensureAgentBinary(this.cacheDir)]);
      let cgroup: SandboxCgroup | undefined;
      if (plan.hostCgroup) {
        cgroup = await SandboxCgroup.create(id, plan.hostCgroup, support);
        await ledger.add({ kind: 'cgroup', dirs: [...new Set(cgroup.dirs.values())] });
      }
      let network;
      if (plan.netns) {
        await ledger.add({ kind: 'netns', name: netnsNameFor(id), hostIf: hostIfFor(id) });
        network = await createNetwork(id, { connected: plan.netns === 'connected', vm: runtime.name === 'vm' });
      }
      instance = await runtime.start({
        id,
        spec,
        image,
        stateDir,
        runtimeStateDir: join(this.stateDir, 'runtimes'),
        cacheDir: this.cacheDir,
        agentBinary,
        limits: plan,
        cgroup,
        network,
        ledger,
        log: this.log,
        supervised: this.supervised,
      });
      const inst = instance;
      agent = new AgentClient(inst.channel, { label: `sandbox ${id} (${runtime.name})`, describeClose: () => describeEnd(inst) });
      const timeoutMs = this.startTimeoutMs ?? (runtime.name === 'vm' ? 180_000 : 30_000);
      await withTimeout(agent.waitHello(), timeoutMs, () => `sandbox ${id}: the ${runtime.name} agent did not answer within ${timeoutMs} ms; ${inst.diagnostics().slice(-1500)}`);
      if (inst.setup) await withTimeout(agent.setup(inst.setup), timeoutMs, () => `sandbox ${id}: guest setup did not finish within ${timeoutMs} ms`);
      const memDir = memoryCgroupDir(support, id, cgroup, runtime.name, spec.limits.memoryBytes !== undefined);
      const sandbox = new Sandbox({
        id,
        spec,
        runtime,
        runtimeClass,
        image,
        stateDir,
        instance: inst,
        agent,
        ledger,
        limits: plan.report,
        log: this.log,
        network: network?.sandboxAddress ? { sandboxAddress: network.sandboxAddress, hostAddress: network.hostAddress } : undefined,
        oomKills: memDir ? () => readOomKills(memDir, support.memory!.version) : undefined,
        onGone: (gone) => this.sandboxes.delete(gone),
      });
      this.sandboxes.set(id, sandbox);
      if (this.supervised) {
        const manifest: SandboxManifest = { id, spec, runtime: runtime.name, runtimeClass, image, limits: plan.report, network: sandbox.info().network, createdAt: sandbox.createdAt.toISOString() };
        await writeFile(join(stateDir, MANIFEST), JSON.stringify(manifest), { mode: 0o600 });
      }
      return sandbox;
    } catch (err) {
      agent?.close('sandbox failed to start');
      if (instance) await instance.stop().catch(() => {});
      const problems = await ledger.releaseAll();
      if (problems.length) this.log.warn(`sandbox ${id}: cleanup after a failed start left: ${problems.join('; ')}`);
      if (err instanceof SandboxError) throw err;
      throw new SandboxError('start_failed', `sandbox ${id} (${runtime.name}): ${(err as Error).message}`, { sandbox: id }, { cause: err });
    }
  }
}

/** What a later manager needs to adopt a supervised sandbox (its ledger holds the rest). */
interface SandboxManifest {
  id: string;
  spec: NormalizedSpec;
  runtime: string;
  runtimeClass?: string;
  image: ResolvedImage;
  limits: LimitEnforcement[];
  network?: { sandboxAddress: string; hostAddress: string };
  createdAt: string;
}

const MANIFEST = 'sandbox.json';

/** Why a runtime's agent stream closed: how its process ended, and its last diagnostics. */
async function describeEnd(inst: RuntimeInstance): Promise<string> {
  const how = await Promise.race([inst.exited, new Promise<string>((r) => setTimeout(() => r(''), 2000))]);
  const diag = inst.diagnostics().trim().split('\n').slice(-8).join(' | ');
  return [how, diag && !how.includes(diag) ? diag : ''].filter(Boolean).join('; ');
}

function withTimeout<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new SandboxError('start_failed', message())), ms);
    }),
  ]);
}

/** The memory cgroup that would record an OOM kill for this sandbox, if any. */
function memoryCgroupDir(support: CgroupSupport, id: string, cgroup: SandboxCgroup | undefined, runtime: string, limited: boolean): string | undefined {
  if (cgroup?.dirs.has('memory')) return cgroup.dirs.get('memory');
  if ((runtime === 'runc' || runtime === 'gvisor') && limited && support.memory) return join(support.memory.mount, support.memory.own, CGROUP_PARENT, id);
  return undefined;
}

async function readOomKills(dir: string, version: 1 | 2): Promise<number> {
  const text = await readFile(join(dir, version === 1 ? 'memory.oom_control' : 'memory.events'), 'utf8').catch(() => '');
  return Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0);
}
