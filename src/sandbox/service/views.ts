/** What the sandbox service hands its callers: the options it opens with, a sandbox as shown, a started exec. */
import type { Readable } from 'node:stream';
import type { FaultReporter } from '../../core/index.js';
import type { RuntimeClass } from '../manager/index.js';
import type { LimitEnforcement } from '../runtimes/index.js';
import type { SandboxRecord, StoredSpec } from '../db/records.js';

export interface SandboxServiceOptions {
  /** where sandboxes keep their state (default <data>/sandbox); VM sockets need it short */
  stateDir: string;
  /** build artefacts and unpacked images (default: the library's) */
  cacheDir?: string;
  classes?: RuntimeClass[];
  defaultClass?: string;
  /** largest upload for a copy in, bytes */
  copyLimit: number;
  /** host directories non-admins may take images from (besides the built-in busybox) */
  imageRoots: string[];
  /** the server's URL, recorded with each sandbox (known once it listens) */
  url(): string;
  /** where alarm 600.002 (sandbox lost) goes: core's faults(); none: no alarms */
  faults?: FaultReporter;
}

export interface SandboxView {
  id: string;
  project: string;
  createdBy: string;
  runtime: string;
  runtimeClass: string | null;
  image: string;
  state: SandboxRecord['state'];
  error: string | null;
  host: string;
  /** the server that runs it */
  server: string | null;
  oneShot: boolean;
  createdAt: string;
  updatedAt: string;
  spec: StoredSpec;
  /** while it runs on this server: */
  limits?: LimitEnforcement[];
  network?: { sandboxAddress: string; hostAddress: string };
  execs?: number;
  /** admins only: host processes and the library's id (for diagnosis) */
  hostPids?: number[];
  localId?: string | null;
}

export interface ExecStart {
  /** the NDJSON frames, ending with an exit or error frame */
  stream: Readable;
  /** the exec's id, when the command started */
  execId?: string;
  /** the client went away before the end: kill the command */
  abandon(): void;
}
