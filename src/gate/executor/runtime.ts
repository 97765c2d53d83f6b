// Where a build's commands run. A runtime opens a session for a build (a
// sandbox, a VM; nothing for a local process group) and runs each step
// of the job in it. Today's runtime is `process`: a local process group. A
// nodeset label names the runtime class a job needs, so a later runtime
// (`vm`, `sandbox`) plugs in without the executor changing.

export interface StepSpec {
  /** A shell command line, run with /bin/sh -c. */
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** null: no limit. */
  timeoutMs: number | null;
  signal: AbortSignal;
  onOutput(chunk: Buffer): void;
}

export interface StepResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  /** The step could not be started at all. */
  error?: string;
}

export interface SessionSpec {
  buildId: string;
  /** The directory holding every required project. */
  workspace: string;
  env: Record<string, string>;
  /** The nodeset's labels (what a sandbox or VM runtime would provision). */
  labels: string[];
  /** Where an isolating runtime shows the workspace (an Ansible node: its user's home, /root). */
  workspaceTarget?: string;
  /** Host directories to share read-only besides the workspace (an Ansible node's Python userland). */
  mounts?: Array<{ source: string; target: string; readOnly: boolean }>;
}

/** One command of Ansible's connection: stdin in, stdout and stderr apart. */
export interface ExecSpec {
  /** A shell command line (Ansible's own), run with /bin/sh -c. */
  command: string;
  stdin: Buffer;
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  error?: string;
}

export interface RuntimeSession {
  run(step: StepSpec): Promise<StepResult>;
  /** Runs a command with stdin, keeping stdout and stderr apart (what an Ansible node needs). */
  exec?(spec: ExecSpec): Promise<ExecResult>;
  close(): Promise<void>;
}

export interface BuildRuntime {
  readonly name: string;
  open(spec: SessionSpec): Promise<RuntimeSession>;
}

/**
 * A build runtime another module offers the gate, under the service name
 * `build-runtimes` (the sandbox module: one per runtime class). The gate
 * knows only this contract, never the module behind it.
 */
export interface RuntimeOffer {
  runtime: BuildRuntime;
  /** its jobs cannot reach the host: untrusted jobs may be sent there */
  isolated: boolean;
}

/** The service name under which runtime offers are provided. */
export const RUNTIME_OFFERS = 'build-runtimes';
