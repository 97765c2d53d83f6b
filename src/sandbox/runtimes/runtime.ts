/**
 * The one small interface every runtime implements (as Kysely's dialects
 * do): say what the host must have, say how each limit will be enforced, and
 * start the agent inside the runtime's isolation. Everything above it (exec,
 * copy, timeouts, bookkeeping) is the same for all runtimes, because all of
 * them run the same agent and speak the same protocol to it.
 */
import type { AgentChannel } from '../agent/agent-client.js';
import type { ResolvedImage } from '../images/image-types.js';
import type { CgroupSupport, SandboxCgroup } from '../limits/cgroups.js';
import type { SandboxNetwork } from '../limits/network.js';
import type { ResourceLedger } from '../manager/resources.js';
import type { NormalizedSpec } from '../model/spec.js';
import type { KvPairs } from '../agent/protocol.js';

export type Isolation = 'none' | 'namespaces' | 'container' | 'user-space-kernel' | 'vm';

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface HostCheck {
  ok: boolean;
  /** versions of the host tools used, for reports */
  versions: Record<string, string>;
  /** what is missing, each naming the Debian package to install */
  problems: string[];
}

/** How one limit is enforced for one sandbox (or why it is not). */
export interface LimitEnforcement {
  limit: 'memory' | 'cpus' | 'timeout' | 'network';
  value: string;
  /** e.g. "cgroup v1 (memory.limit_in_bytes)", "VM size + guest cgroup v2" */
  mechanism: string;
  enforced: boolean;
  /** set when not enforced: said on stderr and in the sandbox's info */
  warning?: string;
}

export interface LimitPlan {
  report: LimitEnforcement[];
  /** the manager creates a host cgroup with these limits and the runtime starts inside it */
  hostCgroup?: { memoryBytes?: number; cpus?: number; track?: boolean };
  /** the manager creates a network namespace: 'isolated' (loopback only) or 'connected' (veth pair) */
  netns?: 'isolated' | 'connected';
}

export interface RuntimeStartContext {
  id: string;
  spec: NormalizedSpec;
  image: ResolvedImage;
  /** this sandbox's private state directory (removed on destroy) */
  stateDir: string;
  /** shared state of the runtime across sandboxes (runc/runsc --root) */
  runtimeStateDir: string;
  cacheDir: string;
  agentBinary: string;
  limits: LimitPlan;
  cgroup?: SandboxCgroup;
  network?: SandboxNetwork;
  /** record every host resource here before relying on it */
  ledger: ResourceLedger;
  log: Logger;
  /** the runtime's process runs under a supervisor, so the sandbox outlives the server (supervised.ts) */
  supervised?: boolean;
}

/** A started runtime: the agent's byte stream plus what the host sees of it. */
export interface RuntimeInstance {
  channel: AgentChannel;
  /** sent once the agent says HELLO (the VM's guest setup), if any */
  setup?: KvPairs;
  /** the host process whose group holds the sandbox (bwrap, runc, runsc, qemu, or the agent itself) */
  mainPid: number;
  /** every host process the sandbox adds now (for overhead measurement) */
  hostPids(): number[];
  /** resolves when the main process ends, with a description of how */
  readonly exited: Promise<string>;
  /** recent diagnostic output (runtime stderr, VM console) for error messages */
  diagnostics(): string;
  /** asks the runtime to stop gracefully; the manager then releases the ledger */
  stop(): Promise<void>;
}

export interface Runtime {
  readonly name: string;
  readonly isolation: Isolation;
  readonly description: string;
  /** probes the host (binaries, kernel features); never throws */
  check(): Promise<HostCheck>;
  /** how each requested limit is enforced here; throws limit_unenforceable for impossible ones */
  planLimits(spec: NormalizedSpec, cgroups: CgroupSupport): LimitPlan;
  /** default working directory when neither the exec, the spec nor the image names one */
  defaultCwd(ctx: { stateDir: string }): string;
  /** whether sandbox paths are host paths (no own root: the process runtime) */
  readonly hostFilesystem: boolean;
  start(ctx: RuntimeStartContext): Promise<RuntimeInstance>;
}
