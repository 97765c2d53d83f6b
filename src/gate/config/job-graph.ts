// The frozen jobs of an item and the dependencies between them: a DAG,
// checked for cycles when built (Zuul's JobGraph). Pure data with queries
// the scheduler needs: which jobs a job waits for, which wait for it.

import { JobConfigurationError, JobCycleError } from './errors.js';
import type { FrozenJob } from './frozen-job.js';

export interface GraphEdge {
  name: string;
  soft: boolean;
}

export class JobGraph {
  /** Jobs in configuration order. */
  readonly jobs: FrozenJob[];
  private readonly byName = new Map<string, FrozenJob>();
  /** job -> the jobs it waits for. */
  private readonly deps = new Map<string, GraphEdge[]>();
  /** job -> the jobs waiting for it. */
  private readonly dependents = new Map<string, GraphEdge[]>();

  /**
   * Builds the graph. A hard dependency on a job that is not in the graph
   * is an error; a soft one is dropped. A cycle is an error.
   */
  constructor(jobs: FrozenJob[]) {
    this.jobs = jobs;
    for (const j of jobs) this.byName.set(j.name, j);
    for (const j of jobs) {
      const edges: GraphEdge[] = [];
      for (const d of j.dependencies) {
        if (!this.byName.has(d.name)) {
          if (d.soft) continue;
          throw new JobConfigurationError('dependency-not-run', `Job ${j.name} depends on ${d.name} which was not run.`, {
            location: j.source ? { project: j.source.project, branch: j.source.branch, path: j.source.path, line: j.source.line } : undefined,
            stanza: 'job', objectName: j.name, attr: 'dependencies',
          });
        }
        edges.push({ name: d.name, soft: d.soft });
        const list = this.dependents.get(d.name) ?? [];
        list.push({ name: j.name, soft: d.soft });
        this.dependents.set(d.name, list);
      }
      this.deps.set(j.name, edges);
    }
    const cycle = this.findCycle();
    if (cycle) {
      const j = this.byName.get(cycle[0])!;
      throw new JobCycleError('dependency', cycle, {
        location: j.source ? { project: j.source.project, branch: j.source.branch, path: j.source.path, line: j.source.line } : undefined,
        stanza: 'job', objectName: j.name, attr: 'dependencies',
      });
    }
  }

  private findCycle(): string[] | null {
    const state = new Map<string, number>();
    const stack: string[] = [];
    const visit = (n: string): string[] | null => {
      state.set(n, 1);
      stack.push(n);
      for (const e of this.deps.get(n) ?? []) {
        const s = state.get(e.name) ?? 0;
        if (s === 1) return [...stack.slice(stack.indexOf(e.name)), e.name];
        if (s === 0) {
          const c = visit(e.name);
          if (c) return c;
        }
      }
      stack.pop();
      state.set(n, 2);
      return null;
    };
    for (const j of this.jobs) {
      if ((state.get(j.name) ?? 0) === 0) {
        const c = visit(j.name);
        if (c) return c;
      }
    }
    return null;
  }

  get size(): number {
    return this.jobs.length;
  }

  getJob(name: string): FrozenJob | undefined {
    return this.byName.get(name);
  }

  /** The jobs `name` waits for directly. */
  getDependencies(name: string): GraphEdge[] {
    return this.deps.get(name) ?? [];
  }

  /** The jobs waiting directly for `name`. */
  getDependents(name: string): GraphEdge[] {
    return this.dependents.get(name) ?? [];
  }

  private walk(start: string, next: (n: string) => GraphEdge[], skipSoft: boolean): string[] {
    const seen = new Set<string>();
    const todo = [start];
    while (todo.length) {
      const n = todo.pop()!;
      for (const e of next(n)) {
        if (skipSoft && e.soft) continue;
        if (!seen.has(e.name)) {
          seen.add(e.name);
          todo.push(e.name);
        }
      }
    }
    return this.jobs.map((j) => j.name).filter((n) => seen.has(n));
  }

  /** Every job `name` waits for, transitively (Zuul's getParentJobsRecursively). */
  getDependenciesRecursively(name: string, skipSoft = false): string[] {
    return this.walk(name, (n) => this.getDependencies(n), skipSoft);
  }

  /** Every job waiting for `name`, transitively (to skip when it fails). */
  getDependentsRecursively(name: string, skipSoft = false): string[] {
    return this.walk(name, (n) => this.getDependents(n), skipSoft);
  }

  /** Jobs ordered so that each comes after those it waits for. */
  topologicalOrder(): string[] {
    const out: string[] = [];
    const done = new Set<string>();
    const visit = (n: string) => {
      if (done.has(n)) return;
      done.add(n);
      for (const e of this.getDependencies(n)) visit(e.name);
      out.push(n);
    };
    for (const j of this.jobs) visit(j.name);
    return out;
  }

  /**
   * Jobs that may start now: not yet started, and every dependency finished
   * successfully (or paused). `state` maps started/finished job names to
   * their status.
   */
  runnable(state: ReadonlyMap<string, 'running' | 'success' | 'paused' | 'failure' | 'skipped'>): string[] {
    return this.jobs.filter((j) => !state.has(j.name) && this.getDependencies(j.name).every((e) => {
      const s = state.get(e.name);
      return s === 'success' || s === 'paused';
    })).map((j) => j.name);
  }

  toJSON(): unknown {
    return {
      jobs: this.jobs.map((j) => j.name),
      dependencies: Object.fromEntries(this.jobs.map((j) => [j.name, this.getDependencies(j.name)])),
    };
  }
}
