/**
 * The ramdisk endpoints' logic (Ironic's api/controllers/v1/ramdisk.py and
 * the token checks of ConductorManager.heartbeat), independent of HTTP.
 */
import { ConflictError, InvalidInputError, NotFoundError, StrataError, type Logger, type SecretBox } from '../../core/index.js';
import { normalizeMac } from '../boot/mac.js';
import { MINOR_AGENT_STATUS, MINOR_AGENT_TOKEN, MINOR_AGENT_VERSION, MINOR_LOOKUP_HEARTBEAT, MINOR_VERIFY_CA } from './api-version.js';
import type { AgentNodeStore, AgentNodeView, HeartbeatReceiver, PciDeviceReport } from './ports.js';
import { AGENT_STATUSES, type AgentStatus } from './states.js';
import { LOOKUP_ALLOWED_STATES } from '../states/index.js';
import { agentTokenMatches, generateAgentToken, hasAgentToken, maskAgentToken, TOKEN_MASK } from './token.js';

export interface AgentConfig {
  /** Seconds after which a silent agent counts as gone; agents heartbeat well within it (Ironic's [api]ramdisk_heartbeat_timeout). */
  heartbeatTimeoutS: number;
  /** Refuse lookups of nodes in states where no ramdisk is expected (Ironic's [api]restrict_lookup). */
  restrictLookup: boolean;
}

export const DEFAULT_AGENT_CONFIG: AgentConfig = { heartbeatTimeoutS: 300, restrictLookup: true };

export interface LookupResponse {
  node: { uuid: string; properties: Record<string, unknown>; instance_info: Record<string, unknown>; driver_internal_info: Record<string, unknown> };
  config: Record<string, unknown>;
}

export interface HeartbeatBody {
  callback_url: string;
  agent_version?: string;
  agent_token?: string;
  agent_verify_ca?: string;
  agent_status?: string;
  agent_status_message?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Keys hidden from the agent in instance_info, as Ironic's node_sanitize does for callers without show_instance_secrets. */
const INSTANCE_SECRETS = /pass(word|phrase)?|secret|token|key$|configdrive|image_url/i;

export interface InspectionBody {
  agent_token?: string;
  inventory: { interfaces: { name?: string; mac_address: string }[] };
  pci_devices?: PciDeviceReport[];
}

export class AgentService {
  private readonly config: AgentConfig;

  constructor(
    private readonly deps: { nodes: AgentNodeStore; receiver: HeartbeatReceiver; secrets: SecretBox; log: Logger },
    config: Partial<AgentConfig> = {},
  ) {
    this.config = { ...DEFAULT_AGENT_CONFIG, ...config };
  }

  /** `GET /v1/lookup?addresses=…&node_uuid=…`: the node and the agent's configuration, with its token on first lookup. */
  async lookup(query: { addresses?: string; node_uuid?: string }, minor: number): Promise<LookupResponse> {
    if (minor < MINOR_LOOKUP_HEARTBEAT) throw new NotFoundError('The resource could not be found.');
    const given = (query.addresses ?? '').split(',').map((a) => a.trim()).filter(Boolean);
    const macs = given.map(normalizeMac).filter((m): m is string => m !== null);
    if (macs.length < given.length) {
      this.deps.log.warn({ invalid: given.filter((a) => !normalizeMac(a)), node: query.node_uuid }, 'lookup: ignoring invalid MAC addresses');
    }
    const nodeUuid = query.node_uuid?.trim() || undefined;
    if (nodeUuid !== undefined && !UUID.test(nodeUuid)) throw new InvalidInputError(`Expected a UUID for node_uuid: ${JSON.stringify(nodeUuid)}`);
    if (!macs.length && !nodeUuid) throw new InvalidInputError("At least one of 'addresses' and 'node_uuid' parameters is required");

    const node = nodeUuid ? await this.deps.nodes.findByIdent(nodeUuid) : await this.deps.nodes.findByPortAddresses(macs);
    // One answer for "no such node" and "not in a lookup state": a caller learns nothing from the difference.
    if (!node) {
      this.deps.log.warn({ macs, node: nodeUuid }, 'lookup: no node found');
      throw new NotFoundError('The resource could not be found.');
    }
    if (this.config.restrictLookup && !LOOKUP_ALLOWED_STATES.includes(node.provision_state)) {
      this.deps.log.warn({ node: node.uuid, state: node.provision_state }, 'lookup: node is not in a state that expects an agent');
      throw new NotFoundError('The resource could not be found.');
    }
    const token = minor >= MINOR_AGENT_TOKEN ? await this.tokenFor(node) : null;
    return {
      node: {
        uuid: node.uuid,
        properties: node.properties ?? {},
        instance_info: maskInstanceInfo(node.instance_info ?? {}),
        driver_internal_info: maskAgentToken(node.driver_internal_info ?? {}),
      },
      config: {
        metrics: { backend: 'noop', prepend_host: false, prepend_uuid: false, prepend_host_reverse: true, global_prefix: null },
        metrics_statsd: { statsd_host: 'localhost', statsd_port: 8125 },
        heartbeat_timeout: this.config.heartbeatTimeoutS,
        agent_token_required: true,
        disable_deep_image_inspection: false,
        permitted_image_formats: ['raw', 'qcow2', 'iso'],
        enable_bios_bootloader_install: false,
        // Last, so a line-oriented reader in the ramdisk finds it after any node data.
        agent_token: token,
      },
    };
  }

  /** The first lookup gets a fresh token; later ones get an unusable mask (Ironic's get_node_with_token). */
  private async tokenFor(node: AgentNodeView): Promise<string> {
    if (hasAgentToken(node.driver_internal_info)) {
      this.deps.log.warn({ node: node.uuid }, 'lookup: an agent token was already issued; answering with a masked one');
      return TOKEN_MASK;
    }
    const token = generateAgentToken();
    const stored = await this.deps.nodes.issueAgentToken(node.uuid, this.deps.secrets.seal(token));
    if (stored === 'locked') throw new ConflictError(`Node ${node.uuid} is locked by the conductor, please retry after the current operation is completed.`, { node: node.uuid });
    if (stored === 'exists') return TOKEN_MASK;
    this.deps.log.info({ node: node.uuid }, 'lookup: issued an agent token');
    return token;
  }

  /** `POST /v1/heartbeat/{node_ident}`: checks the token and the callback URL, then hands over to the conductor. */
  /**
   * The agent's inventory (ironic-python-agent's inspection data, posted to
   * Ironic's continue_inspection): the node is found by its NICs' MACs, as
   * Ironic finds it, and the agent token proves the data comes from the
   * agent that node was given (Strata requires it: the endpoint is public).
   */
  async continueInspection(body: InspectionBody): Promise<{ uuid: string }> {
    const macs = body.inventory.interfaces.map((i) => i.mac_address.toLowerCase());
    const node = macs.length ? await this.deps.nodes.findByPortAddresses(macs) : null;
    if (!node) throw new NotFoundError(`no node has a port with any of the addresses ${macs.join(', ') || '(none given)'}`);
    if (!agentTokenMatches(node.driver_internal_info, body.agent_token, this.deps.secrets)) {
      this.deps.log.error({ node: node.uuid }, 'inventory: invalid or missing agent token');
      throw new InvalidInputError('Invalid or missing agent token received.');
    }
    await this.deps.receiver.inventory?.(node.uuid, node.name ?? null, body.pci_devices ?? []);
    return { uuid: node.uuid };
  }

  async heartbeat(ident: string, body: HeartbeatBody, minor: number): Promise<void> {
    if (minor < MINOR_LOOKUP_HEARTBEAT) throw new NotFoundError('The resource could not be found.');
    if (body.agent_version !== undefined && minor < MINOR_AGENT_VERSION) throw new InvalidInputError('Field "agent_version" not recognised');
    if ((body.agent_status !== undefined || body.agent_status_message !== undefined) && minor < MINOR_AGENT_STATUS) {
      throw new InvalidInputError('Fields "agent_status" and "agent_status_message" not recognised.');
    }
    if (body.agent_verify_ca !== undefined && minor < MINOR_VERIFY_CA) throw new InvalidInputError('Field "agent_verify_ca" not recognised in this version');
    if (body.agent_token !== undefined && minor < MINOR_AGENT_TOKEN) throw new InvalidInputError('Field "agent_token" not recognised');

    const node = await this.deps.nodes.findByIdent(ident);
    if (!node) throw new NotFoundError(`Node ${ident} could not be found.`, { node: ident });
    if (!agentTokenMatches(node.driver_internal_info, body.agent_token, this.deps.secrets)) {
      this.deps.log.error({ node: node.uuid }, 'heartbeat: invalid or missing agent token');
      throw new InvalidInputError('Invalid or missing agent token received.');
    }
    if (body.agent_version === undefined && body.agent_status === undefined) {
      throw new InvalidInputError('Agent did not transmit a version, and a version is required. Please update the agent being used.');
    }
    if (body.agent_status !== undefined && !(AGENT_STATUSES as readonly string[]).includes(body.agent_status)) {
      throw new InvalidInputError(`Agent status is invalid. Valid states are ${AGENT_STATUSES.join(',')}.`);
    }
    const callbackUrl = checkCallbackUrl(body.callback_url);
    const onFile = node.driver_internal_info?.agent_url;
    if (typeof onFile === 'string' && onFile !== '' && onFile !== callbackUrl) {
      this.deps.log.error({ node: node.uuid, url: callbackUrl }, 'heartbeat: the agent changed its callback URL; not processed');
      throw new StrataError('Detected change in ramdisk provided "callback_url"', { status: 400, code: 'invalid' });
    }
    await this.deps.receiver.heartbeat(node.uuid, {
      callbackUrl,
      ...(body.agent_version !== undefined ? { agentVersion: body.agent_version } : {}),
      ...(body.agent_status !== undefined ? { agentStatus: body.agent_status as AgentStatus } : {}),
      ...(body.agent_status_message !== undefined ? { agentStatusMessage: body.agent_status_message } : {}),
      ...(body.agent_verify_ca !== undefined ? { agentVerifyCa: body.agent_verify_ca } : {}),
    });
  }
}

/** The agent's API base: an http(s) URL with a host, no credentials, no query. */
export function checkCallbackUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(`callback_url ${JSON.stringify(value)} is not a URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname || url.username || url.password || url.search || url.hash) {
    throw new InvalidInputError(`callback_url ${JSON.stringify(value)} must be an http(s) URL without credentials, query or fragment`);
  }
  return value.replace(/\/+$/, '');
}

function maskInstanceInfo(ii: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ii)) out[k] = INSTANCE_SECRETS.test(k) && v !== undefined && v !== null && v !== '' ? TOKEN_MASK : v;
  return out;
}
