/**
 * The conductor's client for the agent running in a node's ramdisk, after
 * Ironic's drivers/modules/agent_client.py: commands are
 * `POST {agent_url}/v1/commands/?wait=true|false&agent_token=…` with
 * `{"name": "<extension>.<command>", "params": {…}}`, and
 * `GET {agent_url}/v1/commands/` lists every command's status.
 *
 * The agent URL and token come from the node's driver_internal_info
 * (agent_url as recorded from heartbeats, the token sealed). URLs carrying
 * the token are never logged or put in error messages.
 */
import { StrataError, type SecretBox } from '../../core/index.js';
import { openAgentToken } from './token.js';

export type CommandStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CLEANING' | 'VERIFYING' | string;

export interface CommandResult {
  id?: string;
  command_name: string;
  command_params?: Record<string, unknown>;
  command_status: CommandStatus;
  command_error: unknown;
  command_result: unknown;
}

/** The node fields the client reads. */
export interface AgentTarget {
  uuid: string;
  driver_internal_info?: Record<string, unknown>;
}

export type AgentErrorKind = 'connection-failed' | 'api-error' | 'in-progress' | 'command-timeout' | 'bad-response';

/** Ironic's AgentConnectionFailed / AgentAPIError / AgentInProgress / AgentCommandTimeout. */
export class AgentError extends StrataError {
  constructor(
    readonly kind: AgentErrorKind,
    message: string,
    opts: { status?: number; cause?: unknown } = {},
  ) {
    super(message, { status: kind === 'in-progress' ? 409 : 502, code: `agent_${kind.replace(/-/g, '_')}`, cause: opts.cause, details: opts.status ? { agent_status: opts.status } : undefined });
  }
}

export interface AgentClientOptions {
  /** One HTTP call's deadline (Ironic's [agent]command_timeout, 60 s). */
  commandTimeoutMs?: number;
  /** Attempts for a command that could not be delivered (Ironic's [agent]max_command_attempts, 3). */
  maxCommandAttempts?: number;
  /** Polling of a running command: interval and attempts (Ironic's command_wait_interval, command_wait_attempts). */
  commandWaitIntervalMs?: number;
  commandWaitAttempts?: number;
  fetch?: typeof fetch;
}

/** Ironic's get_command_error: the readable part of a failed command. */
export function commandError(result: Pick<CommandResult, 'command_error'>): string {
  const e = result.command_error;
  if (e === null || e === undefined) return 'Invalid agent response';
  if (typeof e === 'object') {
    const o = e as Record<string, unknown>;
    return String(o.details ?? o.message ?? JSON.stringify(o));
  }
  return String(e);
}

export class AgentClient {
  private readonly o: Required<Omit<AgentClientOptions, 'fetch'>> & { fetch: typeof fetch };

  constructor(
    private readonly secrets: SecretBox,
    opts: AgentClientOptions = {},
  ) {
    this.o = {
      commandTimeoutMs: opts.commandTimeoutMs ?? 60_000,
      maxCommandAttempts: opts.maxCommandAttempts ?? 3,
      commandWaitIntervalMs: opts.commandWaitIntervalMs ?? 5_000,
      commandWaitAttempts: opts.commandWaitAttempts ?? 100,
      fetch: opts.fetch ?? fetch,
    };
  }

  private commandsUrl(node: AgentTarget): URL {
    const base = node.driver_internal_info?.agent_url;
    if (typeof base !== 'string' || !base) throw new AgentError('connection-failed', `Node ${node.uuid} has no agent_url in driver_internal_info: its agent has not heartbeated`);
    return new URL(`${base.replace(/\/+$/, '')}/v1/commands/`);
  }

  private async call(node: AgentTarget, method: 'GET' | 'POST', url: URL, body?: string, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(this.o.commandTimeoutMs);
    try {
      return await this.o.fetch(url, {
        method,
        headers: body ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      const why = (cause as Error)?.name === 'TimeoutError' ? `no answer within ${this.o.commandTimeoutMs} ms` : String((cause as Error)?.cause ?? cause);
      throw new AgentError('connection-failed', `Failed to connect to the agent of node ${node.uuid} at ${url.origin}: ${why}`, { cause });
    }
  }

  /** Every command the agent ran or runs, oldest first. */
  async commandsStatus(node: AgentTarget, opts: { retry?: boolean; signal?: AbortSignal } = {}): Promise<CommandResult[]> {
    const url = this.commandsUrl(node);
    const attempts = opts.retry === false ? 1 : this.o.maxCommandAttempts;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        const res = await this.call(node, 'GET', url, undefined, opts.signal);
        const json = (await res.json().catch(() => null)) as { commands?: unknown } | null;
        if (!res.ok || !json || !Array.isArray(json.commands)) {
          throw new AgentError('bad-response', `The agent of node ${node.uuid} answered GET /v1/commands/ with ${res.status} and no command list`, { status: res.status });
        }
        return json.commands as CommandResult[];
      } catch (err) {
        last = err;
        if (!(err instanceof AgentError && err.kind === 'connection-failed')) throw err;
      }
    }
    throw last;
  }

  /** The latest status of `name` (extension prefix optional), or null when the agent never ran it. */
  async lastCommandStatus(node: AgentTarget, name: string, signal?: AbortSignal): Promise<CommandResult | null> {
    const short = name.includes('.') ? name.slice(name.indexOf('.') + 1) : name;
    const all = await this.commandsStatus(node, { signal });
    return [...all].reverse().find((c) => c.command_name === short) ?? null;
  }

  /**
   * Runs a command. `wait`: the agent answers when the command finished;
   * `poll`: we poll its status until it is no longer RUNNING. A delivery
   * failure is retried, unless the agent shows it did receive the command.
   */
  async command(node: AgentTarget, name: string, params: Record<string, unknown>, mode: { wait?: boolean; poll?: boolean; signal?: AbortSignal } = {}): Promise<CommandResult> {
    if (mode.wait && mode.poll) throw new TypeError('wait and poll are exclusive');
    const url = this.commandsUrl(node);
    url.searchParams.set('wait', mode.wait ? 'true' : 'false');
    const token = openAgentToken(node.driver_internal_info, this.secrets);
    if (token) url.searchParams.set('agent_token', token);
    const body = JSON.stringify({ name, params });

    let result: CommandResult | null = null;
    let last: unknown;
    for (let attempt = 0; attempt < this.o.maxCommandAttempts && !result; attempt++) {
      let res: Response;
      try {
        res = await this.call(node, 'POST', url, body, mode.signal);
      } catch (err) {
        if (!(err instanceof AgentError)) throw err;
        last = err;
        // The agent may have taken the command and lost our connection: if it is running it, adopt it.
        const running = await this.runningCommand(node, name, mode.signal).catch(() => null);
        if (running) result = running;
        continue;
      }
      const json = (await res.json().catch(() => null)) as (CommandResult & { faultstring?: string }) | null;
      if (!json || typeof json !== 'object') {
        throw new AgentError('bad-response', `The agent of node ${node.uuid} answered ${name} with ${res.status} and a body that is not JSON`, { status: res.status });
      }
      if (res.status >= 400) {
        const fault = String(json.faultstring ?? '');
        if (res.status === 409 || fault.toLowerCase().includes('agent is busy')) {
          throw new AgentError('in-progress', `The agent of node ${node.uuid} is busy and did not run ${name}: ${fault}`, { status: res.status });
        }
        throw new AgentError('api-error', `Agent API for node ${node.uuid} returned HTTP status code ${res.status} with error: ${fault}`, { status: res.status });
      }
      result = json;
    }
    if (!result) throw last;
    raiseIfTypeError(node, name, result);
    return mode.poll ? this.waitFor(node, name, mode.signal) : result;
  }

  private async runningCommand(node: AgentTarget, name: string, signal?: AbortSignal): Promise<CommandResult | null> {
    const short = name.includes('.') ? name.slice(name.indexOf('.') + 1) : name;
    const all = await this.commandsStatus(node, { retry: false, signal });
    const lastOne = all.at(-1);
    return lastOne && lastOne.command_name === short && lastOne.command_status === 'RUNNING' ? lastOne : null;
  }

  private async waitFor(node: AgentTarget, name: string, signal?: AbortSignal): Promise<CommandResult> {
    for (let i = 0; i < this.o.commandWaitAttempts; i++) {
      const status = await this.lastCommandStatus(node, name, signal);
      if (status && status.command_status !== 'RUNNING') {
        raiseIfTypeError(node, name, status);
        return status;
      }
      await new Promise((r) => setTimeout(r, this.o.commandWaitIntervalMs));
    }
    throw new AgentError('command-timeout', `Timeout while waiting for command ${name} on node ${node.uuid}`);
  }

  // The commands Ironic's conductor uses (agent_client.AgentClient).

  getDeploySteps(node: AgentTarget & Record<string, unknown>, ports: Record<string, unknown>[]) {
    return this.command(node, 'deploy.get_deploy_steps', { node: publicNode(node), ports }, { wait: true });
  }

  executeDeployStep(step: Record<string, unknown>, node: AgentTarget & Record<string, unknown>, ports: Record<string, unknown>[]) {
    return this.command(node, 'deploy.execute_deploy_step', { step, node: publicNode(node), ports, deploy_version: node.driver_internal_info?.hardware_manager_version ?? null });
  }

  getCleanSteps(node: AgentTarget & Record<string, unknown>, ports: Record<string, unknown>[]) {
    return this.command(node, 'clean.get_clean_steps', { node: publicNode(node), ports }, { wait: true });
  }

  executeCleanStep(step: Record<string, unknown>, node: AgentTarget & Record<string, unknown>, ports: Record<string, unknown>[]) {
    return this.command(node, 'clean.execute_clean_step', { step, node: publicNode(node), ports, clean_version: node.driver_internal_info?.hardware_manager_version ?? null });
  }

  powerOff(node: AgentTarget) {
    return this.command(node, 'standby.power_off', {});
  }

  reboot(node: AgentTarget) {
    return this.command(node, 'standby.run_image', {});
  }

  sync(node: AgentTarget) {
    return this.command(node, 'standby.sync', {}, { wait: true });
  }

  getPartitionUuids(node: AgentTarget) {
    return this.command(node, 'standby.get_partition_uuids', {}, { wait: true });
  }

  collectSystemLogs(node: AgentTarget) {
    return this.command(node, 'log.collect_system_logs', {}, { wait: true });
  }
}

function raiseIfTypeError(node: AgentTarget, name: string, result: CommandResult): void {
  const e = result.command_error as Record<string, unknown> | null | undefined;
  if (e && typeof e === 'object' && e.type === 'TypeError') {
    throw new AgentError('api-error', `Agent command ${name} for node ${node.uuid} failed: ${commandError(result)}`, { status: Number(e.code) || undefined });
  }
}

/**
 * The node as the agent may see it (Ironic's as_dict(secure=True)): no BMC
 * credentials (driver_info stays home), no token, secret-looking
 * instance_info keys masked; the configdrive travels, as Ironic sends it to
 * execute_deploy_step.
 */
function publicNode(node: AgentTarget & Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { uuid: node.uuid };
  for (const k of ['name', 'properties', 'provision_state', 'instance_uuid']) if (node[k] !== undefined) out[k] = node[k];
  const dii = { ...(node.driver_internal_info ?? {}) };
  delete dii.agent_secret_token;
  out.driver_internal_info = dii;
  const ii = (node.instance_info ?? {}) as Record<string, unknown>;
  out.instance_info = Object.fromEntries(Object.entries(ii).map(([k, v]) => [k, /pass|secret|token|private_key/i.test(k) ? '******' : v]));
  return out;
}
