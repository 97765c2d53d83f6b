/**
 * Drydock's node design onto metal (Ironic) requests. Pure.
 *
 * | Drydock                                   | metal                                            |
 * |-------------------------------------------|--------------------------------------------------|
 * | metadata.name                             | node name                                        |
 * | oob.type ipmi / redfish / fake            | driver ipmi / redfish / fake-hardware            |
 * | oob address (or the oob network's address)| ipmi_address[:ipmi_port] / redfish_address       |
 * | oob.account, oob.credential               | ipmi_username/password, redfish_username/password|
 * | metadata.boot_mac                         | a PXE-enabled port                               |
 * | platform.image / kernel / kernel_params   | instance_info image_source / kernel / kernel_append_params |
 * | hardware profile boot_mode                | instance_info capabilities boot_mode             |
 * | tags, rack, owner_data, host_profile      | properties, extra                                |
 * | boot actions (units, files)               | configdrive user_data (cloud-config write_files, runcmd) |
 */
import type { BootAsset, NodeDesign } from './design.js';

export interface NodeCreateBody {
  name: string;
  driver: string;
  driver_info: Record<string, unknown>;
  boot_interface?: string;
  deploy_interface?: string;
  automated_clean: boolean;
  properties: Record<string, unknown>;
  extra: Record<string, unknown>;
}

export interface NodeRequests {
  create: NodeCreateBody;
  port?: { address: string; pxe_enabled: boolean };
  instanceInfo: Record<string, unknown>;
  /** for PUT …/states/provision {target: active, configdrive} */
  configdrive?: { user_data: string; meta_data: Record<string, unknown> };
}

/** Where the design hash lives on the node, so a plan can tell whether its deploy is current. */
export const HASH_KEY = 'strata_site_hash';
/** Where the workflow records the provision time its deploy ended at: metal moving it later means a provision by hand. */
export const DEPLOYED_KEY = 'strata_site_deployed';

function driverFor(n: NodeDesign): { driver: string; driver_info: Record<string, unknown> } {
  const o = n.oob;
  switch (o.type) {
    case 'ipmi': {
      const [host, port] = splitHostPort(o.address!);
      return {
        driver: 'ipmi',
        driver_info: {
          ipmi_address: host,
          ...(o.port ?? port ? { ipmi_port: o.port ?? port } : {}),
          ...(o.account !== undefined ? { ipmi_username: o.account } : {}),
          ...(o.credential !== undefined ? { ipmi_password: o.credential } : {}),
        },
      };
    }
    case 'redfish': {
      const url = /^https?:\/\//.test(o.address!) ? o.address! : `https://${o.address}`;
      return {
        driver: 'redfish',
        driver_info: {
          redfish_address: url,
          redfish_system_id: o.systemId ?? `/redfish/v1/Systems/${n.name}`,
          ...(o.account !== undefined ? { redfish_username: o.account } : {}),
          ...(o.credential !== undefined ? { redfish_password: o.credential } : {}),
        },
      };
    }
    case 'fake':
      return { driver: 'fake-hardware', driver_info: {} };
    default:
      throw new Error(`node ${n.name}: oob type ${o.type} has no metal driver (use ipmi, redfish or fake)`);
  }
}

function splitHostPort(address: string): [string, number | undefined] {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  return m ? [m[1].replace(/^\[|\]$/g, ''), Number(m[2])] : [address, undefined];
}

/** The cloud-config that delivers boot action assets: files written, units written and enabled. */
export function cloudConfig(assets: readonly BootAsset[]): string | undefined {
  const files = assets.filter((a) => a.type !== 'pkg_list' && a.path);
  const pkgs = assets.filter((a) => a.type === 'pkg_list').flatMap((a) => a.data.split(/\s+/).filter(Boolean));
  if (!files.length && !pkgs.length) return undefined;
  const doc: Record<string, unknown> = {};
  if (files.length) {
    doc.write_files = files.map((a) => ({
      path: a.path,
      content: a.data,
      ...(a.permissions ? { permissions: a.permissions } : a.type === 'unit' ? { permissions: '0644' } : {}),
    }));
  }
  const units = files.filter((a) => a.type === 'unit').map((a) => a.path!.split('/').pop()!);
  if (units.length) doc.runcmd = [['systemctl', 'daemon-reload'], ...units.map((u) => ['systemctl', 'enable', '--now', u])];
  if (pkgs.length) doc.packages = pkgs;
  // JSON is YAML: cloud-init reads it after the header.
  return `#cloud-config\n${JSON.stringify(doc)}\n`;
}

export function nodeRequests(n: NodeDesign): NodeRequests {
  const { driver, driver_info } = driverFor(n);
  // Without a boot/deploy interface named, a lab node powers through its real BMC but deploys no image.
  const bootInterface = n.bootInterface ?? (driver === 'fake-hardware' ? undefined : 'fake');
  const deployInterface = n.deployInterface ?? (driver === 'fake-hardware' ? undefined : 'fake');
  const userData = cloudConfig(n.bootAssets);
  return {
    create: {
      name: n.name,
      driver,
      driver_info,
      ...(bootInterface ? { boot_interface: bootInterface } : {}),
      ...(deployInterface ? { deploy_interface: deployInterface } : {}),
      automated_clean: false,
      properties: {
        ...(n.bootMode ? { capabilities: `boot_mode:${n.bootMode}` } : {}),
        ...(n.rack ? { rack: n.rack } : {}),
      },
      extra: {
        site_tags: n.tags,
        ...(n.hostProfile ? { host_profile: n.hostProfile } : {}),
        ...(n.hardwareProfile ? { hardware_profile: n.hardwareProfile } : {}),
        ...(Object.keys(n.labels).length ? { owner_data: n.labels } : {}),
        [HASH_KEY]: n.hash,
      },
    },
    ...(n.bootMac ? { port: { address: n.bootMac, pxe_enabled: true } } : {}),
    instanceInfo: {
      ...(n.image ? { image_source: n.image } : {}),
      ...(n.kernel ? { kernel: n.kernel } : {}),
      ...(Object.keys(n.kernelParams).length
        ? { kernel_append_params: Object.entries(n.kernelParams).map(([k, v]) => (v === true || v === null ? k : `${k}=${String(v)}`)).join(' ') }
        : {}),
      ...(n.bootMode ? { capabilities: { boot_mode: n.bootMode } } : {}),
    },
    ...(userData ? { configdrive: { user_data: userData, meta_data: { hostname: n.name, name: n.name } } } : {}),
  };
}
