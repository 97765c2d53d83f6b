/**
 * In-memory machines and workloads for the engine's unit tests: nodes move
 * through Ironic's states on a timer (a deploy takes `deployMs`), chosen
 * nodes fail their deploys, replicas are records. Not used outside tests.
 */
import type { NodeRequests } from './drydock-mapping.js';
import { DEPLOYED_KEY, HASH_KEY } from './drydock-mapping.js';
import type { ReplicaSpec } from './armada-mapping.js';
import type { ExecResult, MachinePort, WorkloadPort } from './ports.js';
import type { ObservedNode, ObservedReplica } from './plan.js';

export class FakeMachines implements MachinePort {
  readonly nodes = new Map<string, ObservedNode & { lastError: string | null; extra: Record<string, unknown>; deploys: number }>();
  readonly failing = new Set<string>();
  readonly calls: string[] = [];

  private clock = 0;

  constructor(private readonly deployMs = 30) {}

  async list() {
    return [...this.nodes.values()].map((n) => this.view(n));
  }
  private view(n: ObservedNode & { extra: Record<string, unknown> }): ObservedNode {
    const hash = n.extra[HASH_KEY];
    const recorded = n.extra[DEPLOYED_KEY];
    return {
      name: n.name,
      uuid: n.uuid,
      provisionState: n.provisionState,
      targetProvisionState: n.targetProvisionState ?? null,
      powerState: n.powerState,
      provisionUpdatedAt: n.provisionUpdatedAt ?? null,
      ...(typeof hash === 'string' ? { hash } : {}),
      ...(typeof recorded === 'string' ? { recordedDeploy: recorded } : {}),
    };
  }
  async get(name: string) {
    const n = this.nodes.get(name);
    return n ? this.view(n) : undefined;
  }
  async enroll(req: NodeRequests) {
    this.calls.push(`enroll ${req.create.name}`);
    if (this.nodes.has(req.create.name)) throw Object.assign(new Error(`node ${req.create.name} exists`), { status: 409 });
    const n = { name: req.create.name, uuid: `uuid-${req.create.name}`, provisionState: 'enroll', powerState: 'power off', lastError: null, extra: {}, deploys: 0 };
    this.nodes.set(n.name, n);
    return this.view(n);
  }
  async provision(name: string, target: string, req?: NodeRequests) {
    this.calls.push(`${target} ${name}`);
    const n = this.nodes.get(name)!;
    const later = (state: string, power?: string) =>
      setTimeout(() => {
        n.provisionState = state;
        n.targetProvisionState = null;
        n.provisionUpdatedAt = `t${++this.clock}`;
        if (power) n.powerState = power;
      }, this.deployMs).unref();
    if (target === 'manage') n.provisionState = 'manageable';
    else if (target === 'provide') n.provisionState = 'available';
    else {
      n.provisionState = 'deploying';
      n.targetProvisionState = 'active';
      n.deploys++;
      if (req) n.extra = { ...req.create.extra };
      if (this.failing.has(name)) {
        n.lastError = 'the fake BMC refused';
        later('deploy failed');
      } else later('active', 'power on');
    }
  }
  async power(name: string, target: 'power on' | 'power off') {
    this.nodes.get(name)!.powerState = target;
  }
  async relabel(name: string, req: NodeRequests) {
    const n = this.nodes.get(name)!;
    n.extra = { ...req.create.extra, [HASH_KEY]: n.extra[HASH_KEY], [DEPLOYED_KEY]: n.extra[DEPLOYED_KEY] };
  }
  async lastError(name: string) {
    return this.nodes.get(name)?.lastError ?? null;
  }
  async markDeployed(name: string, at: string) {
    const n = this.nodes.get(name)!;
    n.extra = { ...n.extra, [DEPLOYED_KEY]: at };
  }
}

export class FakeWorkloads implements WorkloadPort {
  readonly replicas = new Map<string, ObservedReplica>();
  readonly started: string[] = [];
  readonly removed: string[] = [];
  /** releases whose tests fail */
  readonly failingTests = new Set<string>();
  /** releases whose health checks fail */
  readonly failingHealth = new Set<string>();
  private n = 0;

  async list() {
    return [...this.replicas.values()].map((r) => ({ ...r }));
  }
  async start(spec: ReplicaSpec, hash: string) {
    const r: ObservedReplica = { id: `sb-${++this.n}`, release: spec.release, replica: spec.replica, hash, state: 'running', ...(spec.node ? { node: spec.node } : {}) };
    this.replicas.set(r.id, r);
    this.started.push(`${spec.release}/${spec.replica}`);
    return r;
  }
  async remove(id: string) {
    this.removed.push(id);
    this.replicas.delete(id);
  }
  async exec(id: string, command: string[]): Promise<ExecResult> {
    const r = this.replicas.get(id)!;
    const health = command[0] === 'true';
    const fail = health ? this.failingHealth.has(r.release) : this.failingTests.has(r.release);
    return { exit: fail ? 1 : 0, output: fail ? 'test failed\n' : '', timedOut: false };
  }
  output() {
    return '';
  }
}
