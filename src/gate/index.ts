// The `gate` module: project gating as Zuul does it. The built-in `local`
// review source (changes, patchsets, approvals, Gerrit-named events), one
// scheduler per tenant with the independent / dependent / serial /
// supercedent pipeline managers over pure queue algorithms, a git merger
// making reproducible speculative merges, an executor running jobs in
// process groups, and the API under /gate/api. Other modules use the
// `gate` service (GateService).

import type { StrataModule } from '../core/index.js';
import type { SandboxService } from '../sandbox/index.js';
import { gateRoutes } from './api/routes.js';
import { zuulApi } from './api/zuul-api.js';
import { gateMigrations } from './db/migrations.js';
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
    // Each sandbox runtime class (default, vm, secure, …) becomes a build
    // runtime a nodeset label can name; untrusted jobs go to an isolating one.
    const sandbox = ctx.services.maybe<SandboxService>('sandbox');
    if (sandbox) {
      for (const c of sandbox.manager.classes.list()) {
        const runtime = sandbox.buildRuntime({ runtimeClass: c.name, project: 'gate' });
        service.registerRuntime({ name: c.name, open: (spec) => runtime.open(spec) }, { isolated: !sandbox.runtimeOf({ runtimeClass: c.name }).hostFilesystem });
      }
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
export type { BuildRuntime, RuntimeSession, SessionSpec, StepSpec, StepResult } from './executor/index.js';
export type { Change, Changeish, QueueItem, BuildSet, Build, BuildResult, FrozenJob, PipelineState, ChangeQueue } from './model.js';
