/** The bodies the sandbox API takes, as the service sees them. */
import type { SandboxSpec } from '../model/index.js';

/** What a caller may ask for when creating a sandbox (the library's spec, image as a string). */
export type CreateRequest = Omit<SandboxSpec, 'image'> & {
  image?: string;
  /** device profile names (requests are made for the sandbox) or uuids of the caller's accelerator requests */
  accelerators?: string[];
};

export interface ExecRequest {
  command: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** kill the command's process group after this long ("30s", or ms) */
  timeout?: string | number;
  tty?: boolean | { rows: number; cols: number };
  /** keep stdin open for …/stdin requests (default: closed at once, as </dev/null) */
  stdin?: boolean;
}

export type RunRequest = CreateRequest & Omit<ExecRequest, 'env'>;
