/** The site design's records: what readDesign (design.ts) makes of a rendered revision. */
import type { DocumentRef, JsonValue } from '../documents/index.js';

export interface DesignProblem {
  message: string;
  document: DocumentRef;
  path: string;
}

export interface OobDesign {
  type: 'ipmi' | 'redfish' | 'fake' | 'manual' | 'libvirt';
  address?: string;
  port?: number;
  account?: string;
  /** from a substituted Passphrase: never logged, sealed by metal at rest */
  credential?: string;
  systemId?: string;
}

export interface BootAsset {
  action: string;
  type: 'unit' | 'file' | 'pkg_list';
  path?: string;
  data: string;
  permissions?: string;
}

export interface NodeDesign {
  name: string;
  hostProfile?: string;
  hardwareProfile?: string;
  oob: OobDesign;
  bootMac?: string;
  rack?: string;
  tags: string[];
  /** owner_data, Drydock's node labels */
  labels: Record<string, string>;
  image?: string;
  kernel?: string;
  kernelParams: Record<string, JsonValue>;
  bootMode?: string;
  addressing: { network: string; address: string }[];
  bootAssets: BootAsset[];
  /** the metal interfaces the profile asks for (Strata: platform.boot_interface / deploy_interface) */
  bootInterface?: string;
  deployInterface?: string;
  /** sha256 of everything above that a deploy writes: a change means redeploy */
  hash: string;
}

export interface GroupSelector {
  nodeNames: string[];
  nodeLabels: string[];
  nodeTags: string[];
  rackNames: string[];
}

export interface GroupDesign {
  name: string;
  critical: boolean;
  dependsOn: string[];
  selectors: GroupSelector[];
  successCriteria: { percentSuccessfulNodes?: number; minimumSuccessfulNodes?: number; maximumFailedNodes?: number };
}

export interface WorkloadDesign {
  /** the document's name */
  name: string;
  /** release_prefix-release: what the sandboxes are labelled with */
  release: string;
  chartGroup: string;
  image?: string;
  command: string[];
  runtime?: string;
  runtimeClass?: string;
  acceleratorProfile?: string;
  replicas: number;
  nodeSelector?: { nodeNames: string[]; nodeTags: string[]; rackNames: string[] };
  host?: string;
  env: Record<string, string>;
  memory?: string | number;
  cpus?: string | number;
  waitTimeoutMs: number;
  healthCheck?: { command: string[]; timeoutMs: number };
  test?: { command: string[]; timeoutMs: number };
  protected: boolean;
  /** sha256 of what the sandboxes run: a change means update */
  hash: string;
}

export interface ChartGroupDesign {
  name: string;
  sequenced: boolean;
  testCharts: boolean;
  workloads: string[];
}

export interface SiteDesign {
  nodes: NodeDesign[];
  groups: GroupDesign[];
  chartGroups: ChartGroupDesign[];
  workloads: WorkloadDesign[];
  releasePrefix: string;
}
