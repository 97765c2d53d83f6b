import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { ServerConfig } from './config.js';
import type { Logger } from './logging.js';
import type { Store, Migrations } from './store/index.js';
import type { TaskRunner } from './tasks/index.js';
import type { SecretBox } from './secrets.js';
import type { TokenService } from './auth/index.js';
import type { MachineSpec } from './fsm/index.js';
import type { Services } from './services.js';

/** What the composition root hands each module when it builds the server. */
export interface ModuleContext {
  config: ServerConfig;
  store: Store;
  tasks: TaskRunner;
  log: Logger;
  secrets: SecretBox;
  tokens: TokenService;
  metrics: Registry;
  /** Instances other modules provide (the gate asks for the sandbox service, …). */
  services: Services;
  /** The server's base URL, e.g. http://127.0.0.1:7070; known once it listens. */
  url(): string;
}

export interface Mount {
  prefix: string;
  plugin: FastifyPluginAsync;
}

export interface ModuleInstance {
  /** HTTP APIs, each mounted under its prefix. */
  mounts?: Mount[];
  /** Called once the server listens: start periodic work here. */
  start?(): Promise<void>;
  /** Called on shutdown, before the store closes. */
  stop?(opts?: StopOptions): Promise<void>;
}

export interface StopOptions {
  /** the next server takes over: leave running what can outlive this process */
  handover?: boolean;
}

/** A Strata module as the server sees it. Each module's index.ts exports one. */
export interface StrataModule {
  name: string;
  migrations?: Migrations;
  /** Lifecycle tables, for the generated diagrams in docs/. */
  machines?: MachineSpec<string, string>[];
  create(ctx: ModuleContext): Promise<ModuleInstance>;
}
