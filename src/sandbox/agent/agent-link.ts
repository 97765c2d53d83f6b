/**
 * What the exec and copy flows (agent-exec.ts, agent-copy.ts) use of one
 * agent connection (agent-client.ts): channels, frames out, and the reason
 * once the connection is gone. Also the agent's ERROR frame as an error.
 */
import { SandboxError } from '../model/errors.js';
import { decodeKv, kvGet, type Frame } from './protocol.js';

/** A frame for a channel; type -1: the connection died. */
export type ChannelHandler = (frame: Frame) => void;

export interface AgentLink {
  /** names the sandbox in error messages */
  readonly label: string;
  /** set once the connection is gone */
  closedError(): Error | undefined;
  /** a channel id no exec or copy uses */
  allocate(): number;
  on(channel: number, handler: ChannelHandler): void;
  off(channel: number): void;
  isOpen(channel: number): boolean;
  send(type: number, channel: number, payload: Buffer, cb?: () => void): void;
  /** sends and waits for the stream to drain: backpressure for bulk copies */
  sendAsync(type: number, channel: number, payload: Buffer): Promise<void>;
  /** copy-out bytes received (+) or written by the sink (-): the stream pauses while too many wait */
  copyBacklog(delta: number): void;
}

/** An ERROR frame's key/values, turned into a SandboxError for the caller. */
export function agentError(payload: Buffer, label: string, what: string): SandboxError {
  const kv = decodeKv(payload);
  const stage = kvGet(kv, 'stage') ?? 'unknown';
  const code = kvGet(kv, 'code') ?? '';
  const message = kvGet(kv, 'message') ?? 'agent error';
  const details = { sandbox: label, stage, errno: code };
  if (stage === 'exec' && (code === 'ENOENT' || code === 'ENOTDIR'))
    return new SandboxError('command_not_found', `${label}: command not found: ${message}`, details);
  if (stage === 'exec' && code === 'EACCES')
    return new SandboxError('command_not_found', `${label}: command not executable: ${message}`, details);
  if (stage === 'cwd') return new SandboxError('cwd_not_found', `${label}: ${message}`, details);
  if (stage === 'copy') return new SandboxError('copy_failed', `${label}: ${what}: ${message}`, details);
  if (stage === 'setup') return new SandboxError('start_failed', `${label}: guest setup failed: ${message}`, details);
  return new SandboxError('exec_failed', `${label}: ${what}: ${message}`, details);
}
