/**
 * The DataSchemas of the documents the deployment workflow acts on:
 * Drydock's site design (BaremetalNode, HostProfile, HardwareProfile,
 * Network, NetworkLink, Region, BootAction), Shipyard's DeploymentStrategy,
 * Armada's Manifest and ChartGroup, and Strata's Workload (what a chart is
 * here: a program in a sandbox). They are written from the field lists in
 * the anchors' documentation and check what the workflow reads; fields the
 * workflow ignores are allowed, so real Airship documents pass.
 *
 * They are offered as DataSchema documents after a site's own: a site that
 * ships its own `drydock/BaremetalNode/v1` DataSchema (treasuremap does)
 * keeps it, as Deckhand keeps the first registration of a name.
 */
import type { Document } from '../documents/index.js';

type Schema = Record<string, unknown>;
const DRAFT4 = 'http://json-schema.org/draft-04/schema#';

const str: Schema = { type: 'string' };
const nonEmpty: Schema = { type: 'string', minLength: 1 };
const strList: Schema = { type: 'array', items: str };
const strMap: Schema = { type: 'object', additionalProperties: str };
const open = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  properties,
  ...(required.length ? { required } : {}),
  additionalProperties: true,
});

const oob = open({
  type: { type: 'string', enum: ['ipmi', 'redfish', 'fake', 'manual', 'libvirt'] },
  network: str,
  account: str,
  credential: str,
  // Strata: where the BMC answers, when it is not an address on the oob network (a Redfish URL, host:port)
  address: str,
  system_id: str,
  port: { type: 'integer', minimum: 1, maximum: 65535 },
});

const platform = open({ image: str, kernel: str, kernel_params: { type: 'object' } });

const hostFields: Record<string, Schema> = {
  host_profile: str,
  hardware_profile: str,
  primary_network: str,
  oob,
  platform,
  interfaces: { type: 'object', additionalProperties: open({ device_link: str, slaves: strList, networks: strList }) },
  storage: { type: 'object' },
  metadata: open({ tags: strList, owner_data: strMap, rack: str, boot_mac: { type: 'string', pattern: '^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$' } }),
};

const baremetalNode: Schema = {
  $schema: DRAFT4,
  ...open({ ...hostFields, addressing: { type: 'array', items: open({ network: nonEmpty, address: nonEmpty }, ['network', 'address']) } }),
};

const hostProfile: Schema = { $schema: DRAFT4, ...open(hostFields) };

const hardwareProfile: Schema = {
  $schema: DRAFT4,
  ...open({
    vendor: str,
    generation: str,
    hw_version: str,
    bios_version: str,
    boot_mode: { type: 'string', enum: ['bios', 'uefi'] },
    bootstrap_protocol: str,
    pxe_interface: { type: ['integer', 'string'] },
    cpu_sets: strMap,
    hugepages: { type: 'object' },
    device_aliases: { type: 'object', additionalProperties: open({ address: str, dev_type: str, bus_type: str }) },
  }),
};

const network: Schema = {
  $schema: DRAFT4,
  ...open({
    cidr: str,
    vlan: { type: ['string', 'integer'] },
    mtu: { type: 'integer' },
    routes: { type: 'array', items: open({ subnet: str, gateway: str, metric: { type: 'integer' } }) },
    ranges: { type: 'array', items: open({ type: str, start: str, end: str }) },
    dns: open({ domain: str, servers: str }),
  }),
};

const networkLink: Schema = {
  $schema: DRAFT4,
  ...open({
    bonding: open({ mode: str }),
    mtu: { type: 'integer' },
    linkspeed: str,
    trunking: open({ mode: str, default_network: str }),
    allowed_networks: strList,
  }),
};

const region: Schema = {
  $schema: DRAFT4,
  ...open({
    tag_definitions: { type: 'array' },
    authorized_keys: strList,
    repositories: { type: 'object' },
  }),
};

const bootAction: Schema = {
  $schema: DRAFT4,
  ...open(
    {
      signaling: { type: 'boolean' },
      assets: {
        type: 'array',
        items: open(
          {
            type: { type: 'string', enum: ['unit', 'file', 'pkg_list'] },
            path: str,
            location: str,
            data: str,
            location_pipeline: strList,
            data_pipeline: strList,
            permissions: { type: ['string', 'integer'] },
          },
          ['type'],
        ),
      },
      node_filter: { type: 'object' },
    },
    ['assets'],
  ),
};

const selector = open({ node_names: strList, node_labels: strList, node_tags: strList, rack_names: strList });

const deploymentStrategy: Schema = {
  $schema: DRAFT4,
  type: 'object',
  properties: {
    groups: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          name: nonEmpty,
          critical: { type: 'boolean' },
          depends_on: strList,
          selectors: { type: 'array', items: selector },
          success_criteria: open({
            percent_successful_nodes: { type: 'number', minimum: 0, maximum: 100 },
            minimum_successful_nodes: { type: 'integer', minimum: 0 },
            maximum_failed_nodes: { type: 'integer', minimum: 0 },
          }),
        },
        required: ['name', 'critical', 'depends_on', 'selectors'],
        additionalProperties: false,
      },
    },
  },
  required: ['groups'],
  additionalProperties: false,
};

const manifest: Schema = {
  $schema: DRAFT4,
  ...open({ release_prefix: nonEmpty, chart_groups: { type: 'array', items: nonEmpty } }, ['release_prefix', 'chart_groups']),
};

const chartGroup: Schema = {
  $schema: DRAFT4,
  ...open(
    {
      description: str,
      sequenced: { type: 'boolean' },
      chart_group: { type: 'array', items: nonEmpty },
      // Strata: the group's workloads' tests run after all of them are ready
      test_charts: { type: 'boolean' },
    },
    ['chart_group'],
  ),
};

const duration: Schema = { type: ['integer', 'string'] };

const workload: Schema = {
  $schema: DRAFT4,
  type: 'object',
  properties: {
    release: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 53 },
    image: nonEmpty,
    command: { type: 'array', items: str, minItems: 1 },
    runtime: nonEmpty,
    runtime_class: nonEmpty,
    accelerator_profile: nonEmpty,
    replicas: { type: 'integer', minimum: 0, maximum: 64 },
    node_selector: open({ node_names: strList, node_tags: strList, rack_names: strList }),
    host: nonEmpty,
    env: strMap,
    memory: { type: ['string', 'integer'] },
    cpus: { type: ['string', 'number'] },
    wait: open({ timeout: duration }),
    health_check: open({ command: { type: 'array', items: str, minItems: 1 }, timeout: duration }, ['command']),
    test: open({ enabled: { type: 'boolean' }, command: { type: 'array', items: str, minItems: 1 }, timeout: duration }),
    protected: open({ continue_processing: { type: 'boolean' } }),
  },
  required: ['command'],
  additionalProperties: false,
};

export const BAREMETAL_NODE = 'drydock/BaremetalNode/v1';
export const HOST_PROFILE = 'drydock/HostProfile/v1';
export const HARDWARE_PROFILE = 'drydock/HardwareProfile/v1';
export const NETWORK = 'drydock/Network/v1';
export const NETWORK_LINK = 'drydock/NetworkLink/v1';
export const REGION = 'drydock/Region/v1';
export const BOOT_ACTION = 'drydock/BootAction/v1';
export const DEPLOYMENT_STRATEGY = 'shipyard/DeploymentStrategy/v1';
export const ARMADA_MANIFEST = 'armada/Manifest/v1';
export const CHART_GROUP = 'armada/ChartGroup/v1';
export const WORKLOAD = 'strata/Workload/v1';

/** Schema name → JSON Schema (draft 4) of its data. */
export const WORKFLOW_SCHEMAS: ReadonlyMap<string, Schema> = new Map([
  [BAREMETAL_NODE, baremetalNode],
  [HOST_PROFILE, hostProfile],
  [HARDWARE_PROFILE, hardwareProfile],
  [NETWORK, network],
  [NETWORK_LINK, networkLink],
  [REGION, region],
  [BOOT_ACTION, bootAction],
  [DEPLOYMENT_STRATEGY, deploymentStrategy],
  [ARMADA_MANIFEST, manifest],
  [CHART_GROUP, chartGroup],
  [WORKLOAD, workload],
]);

/** The schemas as `deckhand/DataSchema/v1` documents, for `validateDocuments`/`render`'s `dataSchemas`. */
export const WORKFLOW_DATA_SCHEMAS: readonly Document[] = [...WORKFLOW_SCHEMAS].map(([name, data]) => ({
  schema: 'deckhand/DataSchema/v1',
  metadata: { schema: 'metadata/Control/v1', name, labels: { application: 'strata-site-workflow' } },
  data: data as Document['data'],
}));
