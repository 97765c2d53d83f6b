// One attempt of a job that runs playbooks: its nodes (a runtime session
// each, sharing the workspace as their home), the node bridge Ansible's
// connection talks to, the inventory and variable files, and each
// playbook run with its results appended to job-output.json.
//
// Layout of a build's directory (the executor's work root, Zuul's jobdir):
//   home/src/<canonical project>/   checkouts; every node's home (mounted)
//   work/inventory.yaml, work/extra-vars.json, work/logs/ (zuul.executor.log_root)
//   work/roles/<i>/<name>            links for repositories that are a role
//   work/pb/<n>/                     each playbook's ansible.cfg, secrets, results

import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AnsibleJob, FrozenJob, PlaybookStep, RequiredProject } from '../../model.js';
import type { BuildRuntime, RuntimeSession } from '../runtime.js';
import type { Grant, NodePool } from '../../nodepool/nodepool.js';
import { NodeBridge, type BridgeNode } from './node-bridge.js';
import { runPlaybook, type PlaybookOutcome } from './playbook-runner.js';
import { findExecutorPlugins, roleDirs } from './restrictions.js';
import { resolveRoles } from './roles.js';
import { buildInventory, type VarsContext, type ZuulItem } from './zuul-vars.js';

export interface AnsibleBuildSpec {
  buildId: string;
  buildset: string;
  tenant: string;
  pipeline: string;
  job: FrozenJob & { ansible: AnsibleJob };
  items: ZuulItem[];
  attempt: number;
  /** The build's directory (its `home/` holds the checkouts). */
  root: string;
  checkouts: Array<RequiredProject & { commit: string; dir: string }>;
  runtimes: Record<string, BuildRuntime>;
  /** Host directories every node gets read-only (the Python Ansible's modules need). */
  userland: Array<{ source: string; target: string; readOnly: boolean }>;
  nodeEnv: Record<string, string>;
  ansibleVersion: string;
  /** Values never to appear in logs (decrypted secrets). */
  secretValues: string[];
  /** Decrypted secrets by alias, for the playbooks allowed them. */
  secrets: Record<string, { project: string; data: unknown }>;
  /** Nodepool: quotas and metal machines per label; without it every label is a runtime class without quota. */
  nodepool?: NodePool;
  /** Cancels a wait for nodes. */
  signal: AbortSignal;
  /** Checkouts at the branch tip of config projects the item changes: where their trusted playbooks come from. */
  trustedDirs?: Record<string, string>;
}

export interface PlaybookRunSpec {
  step: PlaybookStep;
  phase: string;
  index: number;
  timeoutMs: number | null;
  signal: AbortSignal;
  line(text: string): void;
  /** job-output.json: the playbook's record is appended there. */
  jsonLog: string;
}

export class AnsibleBuild {
  private seq = 0;

  private constructor(
    readonly spec: AnsibleBuildSpec,
    readonly sessions: Map<string, RuntimeSession>,
    private readonly bridge: NodeBridge,
    private readonly bridgeDir: string,
    readonly workDir: string,
    readonly logRoot: string,
    private readonly inventory: string,
    private readonly extraVars: string,
    private readonly grant?: Grant,
  ) {}

  /** Each node: its first name and its session's id (the sandbox id where it is one). */
  nodeList(): Array<{ name: string; id: string }> {
    return [...this.sessions.entries()].map(([name, s]) => ({ name, id: (s as { id?: string }).id ?? name }));
  }

  get home(): string {
    return path.join(this.spec.root, 'home');
  }

  /** Opens a session per node and the bridge; throws (an infrastructure error: retried) when a node cannot start. */
  static async open(spec: AnsibleBuildSpec): Promise<AnsibleBuild> {
    const home = path.join(spec.root, 'home');
    const work = path.join(spec.root, 'work');
    const logRoot = path.join(work, 'logs');
    mkdirSync(logRoot, { recursive: true });
    const sessions = new Map<string, RuntimeSession>();
    const nodes = new Map<string, BridgeNode>();
    const nodeIds: Record<string, string> = {};
    // Sockets have a short path limit: the bridge lives in a private temporary directory.
    const bridgeDir = mkdtempSync(path.join(tmpdir(), 'strata-nb-'));
    let bridge: NodeBridge | undefined;
    let grant: Grant | undefined;
    const extra: Record<string, Record<string, unknown>> = {};
    try {
      if (spec.nodepool && spec.job.ansible.nodes.length) {
        grant = await spec.nodepool.request(spec.buildId, spec.job.ansible.nodes.map((n) => n.label), spec.signal);
      }
      for (const [i, node] of spec.job.ansible.nodes.entries()) {
        const label = spec.nodepool?.spec(node.label);
        const granted = grant?.nodes[i];
        // A metal node: the job runs in a sandbox of the label's class on the machine deployed for it.
        const runtimeName = label?.metalPool ? label.runtime : node.runtime;
        if (granted?.metal) for (const n of node.name) extra[n] = { provider: 'strata-metal', external_id: granted.metal.uuid, host_id: granted.metal.name, metal_pool: label!.metalPool };
        const runtime = spec.runtimes[runtimeName];
        if (!runtime) throw new Error(`node ${node.name.join(',')}: no runtime "${runtimeName}" (known: ${Object.keys(spec.runtimes).join(', ')})`);
        const session = await runtime.open({ buildId: `${spec.buildId}-${node.name[0]}`, workspace: home, env: spec.nodeEnv, labels: [node.label], mounts: spec.userland,
          // The home of the node's user (root), so that ansible_user_dir/src_dir is the checkout, as after Zuul's prepare-workspace.
          workspaceTarget: '/root' });
        sessions.set(node.name[0]!, session);
        const id = (session as { id?: string }).id ?? `${node.runtime}:${spec.buildId}-${node.name[0]}`;
        for (const n of node.name) {
          nodes.set(n, { session, cwd: home, env: spec.nodeEnv });
          nodeIds[n] = id;
        }
      }
      bridge = await NodeBridge.listen(path.join(bridgeDir, 'bridge.sock'), nodes);
    } catch (err) {
      for (const s of sessions.values()) await s.close().catch(() => undefined);
      if (grant) await spec.nodepool!.release(grant).catch(() => undefined);
      rmSync(bridgeDir, { recursive: true, force: true });
      throw err;
    }
    const inventory = path.join(work, 'inventory.yaml');
    const ctx: VarsContext = {
      buildId: spec.buildId, buildset: spec.buildset, tenant: spec.tenant, pipeline: spec.pipeline, job: spec.job,
      items: spec.items, checkouts: spec.checkouts, attempt: spec.attempt,
      workRoot: work, srcRoot: path.join(home, 'src'), logRoot, inventoryFile: inventory, ansibleVersion: spec.ansibleVersion,
    };
    writeFileSync(inventory, JSON.stringify(buildInventory(ctx, nodeIds, extra), null, 2));
    const extraVars = path.join(work, 'extra-vars.json');
    writeFileSync(extraVars, JSON.stringify(spec.job.ansible.extraVars));
    return new AnsibleBuild(spec, sessions, bridge, bridgeDir, work, logRoot, inventory, extraVars, grant);
  }

  private redactions?: string[];

  /**
   * Replaces every secret value in output: whole, each of its lines (the
   * console is read a line at a time) and JSON-escaped; longest first.
   * Values under 3 characters are left alone (they would redact everything).
   */
  redact(text: string): string {
    this.redactions ??= [...new Set(this.spec.secretValues.flatMap((v) => [v, JSON.stringify(v).slice(1, -1), ...v.split('\n').map((l) => l.trim())]))]
      .filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
    let out = text;
    for (const v of this.redactions) out = out.split(v).join('<redacted>');
    return out;
  }

  checkoutOf(project: string): string | undefined {
    return this.spec.checkouts.find((c) => c.project === project)?.dir;
  }

  async runPlaybook(r: PlaybookRunSpec): Promise<PlaybookOutcome> {
    const { step } = r;
    const dir = (step.trusted ? this.spec.trustedDirs?.[step.project] : undefined) ?? this.checkoutOf(step.project);
    const file = dir ? path.join(dir, step.playbook) : undefined;
    if (!file || !existsSync(file)) {
      return { status: 'error', rc: null, results: null, error: `playbook ${step.playbook} not found in ${step.project}` };
    }
    const runDir = path.join(this.workDir, 'pb', String(this.seq++));
    mkdirSync(path.join(runDir, 'tmp'), { recursive: true });
    const rolesPath = resolveRoles(this.spec.job.ansible.roles, (p) => this.checkoutOf(p), path.join(this.workDir, 'roles'));
    if (!step.trusted) {
      // Zuul refuses executor-side plugins in untrusted content before running anything.
      const found = findExecutorPlugins([path.dirname(file), ...rolesPath.flatMap(roleDirs)]);
      if (found.length) {
        return { status: 'error', rc: null, results: null, error: `Ansible plugin dir ${path.relative(this.home, found[0]!)} found adjacent to playbook ${step.playbook} in untrusted project ${step.project}: executor-side plugins are prohibited` };
      }
    }
    const files = [this.extraVars];
    // A playbook gets the secrets bound to it (its variant's, and those passed to parents), and only
    // when it is trusted or of the secret's own project: untrusted code of another project never sees them.
    const allowed = Object.fromEntries(step.secrets
      .filter((a) => this.spec.secrets[a] && (step.trusted || this.spec.secrets[a]!.project === step.project))
      .map((a) => [a, this.spec.secrets[a]!.data]));
    if (Object.keys(allowed).length) {
      const secretsFile = path.join(runDir, 'secrets.json');
      writeFileSync(secretsFile, JSON.stringify(allowed), { mode: 0o600 });
      files.push(secretsFile);
    }
    const out = await runPlaybook({
      playbook: file, runDir, workRoot: this.spec.root, inventory: this.inventory, extraVarsFiles: files, rolesPath,
      trusted: step.trusted, bridgeSocket: this.bridge.path, timeoutMs: r.timeoutMs, signal: r.signal, onLine: (l) => r.line(this.redact(l)),
    });
    rmSync(path.join(runDir, 'secrets.json'), { force: true });
    const record = {
      playbook: `${step.project}/${step.playbook}`, phase: r.phase, index: String(r.index), trusted: step.trusted, branch: step.branch,
      ...(out.results ?? { plays: [], stats: {} }),
    };
    appendFileSync(r.jsonLog, this.redact(JSON.stringify(record)) + '\n');
    return out;
  }

  async close(): Promise<void> {
    await this.bridge.close().catch(() => undefined);
    rmSync(this.bridgeDir, { recursive: true, force: true });
    for (const s of this.sessions.values()) await s.close().catch(() => undefined);
    if (this.grant) await this.spec.nodepool!.release(this.grant).catch(() => undefined);
  }
}
