/**
 * A small site described the way Airship describes one, for tests and the
 * bench: a LayeringPolicy, a Region, networks, a host profile, N
 * BaremetalNodes with a passphrase for their BMCs, a DeploymentStrategy of
 * two groups (the first critical), an Armada manifest with two chart
 * groups (one sequenced, one with tests) of Workloads.
 */
import type { Document, JsonValue } from '../documents/index.js';

export interface SampleSiteOptions {
  nodes?: number;
  /** oob per node: fake (default), or redfish at this BMC URL with systems node-0… */
  redfish?: { url: string; username: string; password: string };
  /** workloads per chart group (default 2 and 1) */
  workloads?: [number, number];
  /** a command every workload runs (default: sleep a long time) */
  command?: string[];
  runtime?: string;
  /** replicas of each app workload (default 2) */
  appReplicas?: number;
  /** boot MACs by node index (default 52:54:00:00:00:1N) */
  macs?: string[];
  /** overrides by workload name */
  override?: Record<string, Record<string, JsonValue>>;
}

const doc = (schema: string, name: string, data: JsonValue, extra: Record<string, unknown> = {}): Document => ({
  schema,
  metadata: { schema: 'metadata/Document/v1', name, layeringDefinition: { abstract: false, layer: 'site' }, storagePolicy: 'cleartext', ...extra } as Document['metadata'],
  data,
});

export function sampleSite(opts: SampleSiteOptions = {}): Document[] {
  const n = opts.nodes ?? 3;
  const [a, b] = opts.workloads ?? [2, 1];
  const out: Document[] = [
    { schema: 'deckhand/LayeringPolicy/v1', metadata: { schema: 'metadata/Control/v1', name: 'layering-policy' }, data: { layerOrder: ['site'] } },
    doc('drydock/Region/v1', 'lab', { tag_definitions: [], authorized_keys: [] }),
    doc('drydock/NetworkLink/v1', 'oob', { mtu: 1500, linkspeed: 'auto', allowed_networks: ['oob'] }),
    doc('drydock/Network/v1', 'oob', { cidr: '127.0.0.0/8', mtu: 1500 }),
    doc('drydock/HardwareProfile/v1', 'lab-vm', { vendor: 'QEMU', boot_mode: 'bios', bootstrap_protocol: 'pxe' }),
    doc('drydock/HostProfile/v1', 'lab-host', {
      hardware_profile: 'lab-vm',
      oob: opts.redfish ? { type: 'redfish', network: 'oob', account: opts.redfish.username } : { type: 'fake', network: 'oob' },
      platform: { image: 'file:///var/lib/images/site.qcow2', kernel: 'hwe-6.1', kernel_params: { console: 'ttyS0' } },
    }),
    doc('drydock/BootAction/v1', 'motd', { assets: [{ type: 'file', path: '/etc/motd', permissions: '0644', data: 'deployed by strata\n', data_pipeline: ['utf8_decode'] }] }),
  ];
  if (opts.redfish) {
    out.push({
      schema: 'deckhand/Passphrase/v1',
      metadata: { schema: 'metadata/Document/v1', name: 'bmc-password', layeringDefinition: { abstract: false, layer: 'site' }, storagePolicy: 'encrypted' },
      data: opts.redfish.password,
    });
  }
  for (let i = 0; i < n; i++) {
    const extra = opts.redfish
      ? { substitutions: [{ src: { schema: 'deckhand/Passphrase/v1', name: 'bmc-password', path: '.' }, dest: { path: '.oob.credential' } }] }
      : {};
    out.push(
      doc(
        'drydock/BaremetalNode/v1',
        `node-${i}`,
        {
          host_profile: 'lab-host',
          addressing: [{ network: 'oob', address: opts.redfish ? opts.redfish.url : `127.0.0.${10 + i}` }],
          oob: opts.redfish ? { system_id: `/redfish/v1/Systems/node-${i}` } : {},
          metadata: { rack: i % 2 ? 'rack-b' : 'rack-a', tags: [i === 0 ? 'masters' : 'workers'], boot_mac: opts.macs?.[i] ?? `52:54:00:00:00:${(16 + i).toString(16).padStart(2, '0')}` },
        },
        extra,
      ),
    );
  }
  out.push(
    doc('shipyard/DeploymentStrategy/v1', 'deployment-strategy', {
      groups: [
        { name: 'masters', critical: true, depends_on: [], selectors: [{ node_names: [], node_labels: [], node_tags: ['masters'], rack_names: [] }], success_criteria: { percent_successful_nodes: 100 } },
        { name: 'workers', critical: false, depends_on: ['masters'], selectors: [{ node_names: [], node_labels: [], node_tags: ['workers'], rack_names: [] }], success_criteria: { percent_successful_nodes: 50 } },
      ],
    }),
  );
  const command = opts.command ?? ['sleep', '100000'];
  const workload = (name: string, extra: Record<string, JsonValue> = {}) =>
    doc('strata/Workload/v1', name, { command, ...(opts.runtime ? { runtime: opts.runtime } : {}), wait: { timeout: '60s' }, ...extra, ...(opts.override?.[name] ?? {}) });
  const core = Array.from({ length: a }, (_, i) => `core-${i}`);
  const apps = Array.from({ length: b }, (_, i) => `app-${i}`);
  out.push(
    doc('armada/Manifest/v1', 'site-manifest', { release_prefix: 'lab', chart_groups: ['core', 'apps'] }),
    doc('armada/ChartGroup/v1', 'core', { description: 'infrastructure, one after another', sequenced: true, chart_group: core }),
    doc('armada/ChartGroup/v1', 'apps', { description: 'applications, tested', sequenced: false, test_charts: true, chart_group: apps }),
    ...core.map((w, i) => workload(w, { env: { ROLE: 'core', INDEX: String(i) }, health_check: { command: ['true'] } })),
    ...apps.map((w) => workload(w, { replicas: opts.appReplicas ?? 2, node_selector: { node_tags: ['workers'] }, test: { command: ['sh', '-c', 'test -n "$STRATA_RELEASE"'] } })),
  );
  return out;
}
