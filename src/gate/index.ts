// The `gate` module: project gating as Zuul does it. The built-in `local`
// review source (changes, patchsets, approvals, Gerrit-named events), one
// scheduler per tenant with the independent / dependent / serial /
// supercedent pipeline managers over pure queue algorithms, a git merger
// making reproducible speculative merges, an executor running jobs in
// process groups, and the API under /gate/api. Other modules use the
// `gate` service (GateService).

import type { StrataModule } from '../core/index.js';
import { gateRoutes } from './api/routes.js';
import { zuulApi } from './api/zuul-api.js';
import { gateMigrations } from './db/migrations.js';
import { RUNTIME_OFFERS, type RuntimeOffer } from './executor/index.js';
import { buildMachine, buildSetMachine, changeMachine, itemMachine, submitMachine } from './machines.js';
import { nodeMachine, nodeRequestMachine } from './nodepool/states.js';
import { GateService, gateOptions } from './service.js';

export const gateModule: StrataModule = {
  name: 'gate',
  migrations: gateMigrations,
  machines: [changeMachine.spec, itemMachine.spec, buildSetMachine.spec, buildMachine.spec, submitMachine.spec, nodeRequestMachine.spec, nodeMachine.spec],
  async create(ctx) {
    const options = gateOptions(ctx);
    const service = new GateService(ctx, options);
    // Build runtimes other modules offer (the sandbox: each runtime class,
    // default, vm, secure, …) become ones a nodeset label can name;
    // untrusted jobs go to an isolating one.
    const offers = ctx.services.maybe<RuntimeOffer[]>(RUNTIME_OFFERS);
    if (offers) {
      for (const o of offers) service.registerRuntime(o.runtime, { isolated: o.isolated });
      service.isolateUntrustedJobsIn(options.untrustedRuntime);
    }
    ctx.services.provide('gate', service);
    return {
      mounts: [{ prefix: '/gate', plugin: gateRoutes(service) }, { prefix: '/api', plugin: zuulApi(service, { verify: (t) => ctx.tokens.verify(t), noauth: ctx.config.noauth }) }],
      start: () => service.start(),
      stop: () => service.stop(),
    };
  },
};

export { GateService, type GateOptions } from './service.js';
export { RUNTIME_OFFERS } from './executor/index.js';
export type { BuildRuntime, RuntimeSession, SessionSpec, StepSpec, StepResult, ExecSpec, ExecResult, RuntimeOffer } from './executor/index.js';
export type { Change, Changeish, QueueItem, BuildSet, Build, BuildResult, FrozenJob, PipelineState, ChangeQueue } from './model.js';
