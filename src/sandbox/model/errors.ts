/**
 * Every failure the sandbox library reports is a SandboxError with a stable
 * code (for the API and CLI to map) and a message that says what and where.
 */
export type SandboxErrorCode =
  | 'invalid_spec' // the spec or an option is malformed
  | 'unknown_runtime' // no runtime or runtime class by that name
  | 'runtime_unavailable' // the runtime's host prerequisites are missing
  | 'image_not_found' // the image path does not exist
  | 'image_invalid' // a tarball or image layout is corrupt or unsupported
  | 'limit_unenforceable' // a requested limit has no mechanism on this host
  | 'command_not_found' // the command to exec does not exist in the sandbox
  | 'cwd_not_found' // the working directory does not exist in the sandbox
  | 'exec_failed' // the command could not be started for another reason
  | 'copy_failed' // copy in or out failed
  | 'agent_died' // the agent (or the VM, or the runtime process) went away
  | 'start_failed' // the sandbox could not be started
  | 'timeout' // the sandbox or a wait ran past its deadline
  | 'not_found' // no sandbox with that id
  | 'invalid_state'; // the operation is not allowed in the sandbox's state

export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  /** Extra facts for logs and API error bodies (never secrets). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: SandboxErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SandboxError';
    this.code = code;
    this.details = details;
  }
}

export function isSandboxError(err: unknown, code?: SandboxErrorCode): err is SandboxError {
  return err instanceof SandboxError && (code === undefined || err.code === code);
}
