/**
 * The site design: what a rendered revision says the site is, read out of
 * its Drydock, Shipyard, Armada and Strata documents into plain records the
 * planner and the steps use. Pure. Every problem found is reported with
 * the document and the path it is about (as a Shipyard validation message),
 * not just the first.
 */
import type { Document, JsonObject, JsonValue } from '../documents/index.js';
import { isAbstract, isJsonObject, nameOf, refOf } from '../documents/index.js';
import { createHash } from 'node:crypto';
import * as S from './schemas.js';
import { orderGroups } from './strategy.js';

export type { BootAsset, ChartGroupDesign, DesignProblem, GroupDesign, GroupSelector, NodeDesign, OobDesign, SiteDesign, WorkloadDesign } from './design-types.js';
import type { BootAsset, ChartGroupDesign, DesignProblem, GroupDesign, NodeDesign, OobDesign, SiteDesign, WorkloadDesign } from './design-types.js';

export class DesignError extends Error {
  constructor(readonly problems: DesignProblem[]) {
    super(problems.map((p) => `${p.document.schema} ${p.document.name}${p.path ? ` at ${p.path}` : ''}: ${p.message}`).join('; '));
    this.name = 'DesignError';
  }
}

const DEFAULT_WAIT_MS = 300_000;

/** "30s", "5m", "1h", "250ms" or a number of seconds (Armada's timeouts are seconds). */
export function parseDuration(v: JsonValue | undefined, fallbackMs: number): number {
  if (v === undefined || v === null) return fallbackMs;
  if (typeof v === 'number') return v * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(v).trim());
  if (!m) throw new Error(`${JSON.stringify(v)} is not a duration (30, 30s, 5m, 1h, 250ms)`);
  const n = Number(m[1]);
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']);
}

/** Canonical JSON (sorted keys) hashed: equal designs, equal hashes. */
export function designHash(v: unknown): string {
  const canon = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(canon) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, canon((x as Record<string, unknown>)[k])])) : x;
  return createHash('sha256').update(JSON.stringify(canon(v))).digest('hex').slice(0, 16);
}

const strings = (v: JsonValue | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const obj = (v: JsonValue | undefined): JsonObject => (isJsonObject(v) ? v : {});

/** Drydock's profile inheritance: a child's keys win; oob, platform and metadata merge key by key. */
function mergeHost(parent: JsonObject, child: JsonObject): JsonObject {
  const out: JsonObject = { ...parent };
  for (const [k, v] of Object.entries(child)) {
    out[k] = ['oob', 'platform', 'metadata', 'interfaces'].includes(k) && isJsonObject(v) && isJsonObject(parent[k]) ? { ...(parent[k] as JsonObject), ...v } : v;
  }
  return out;
}

class Reader {
  readonly problems: DesignProblem[] = [];
  private readonly bySchema = new Map<string, Map<string, Document>>();

  constructor(documents: readonly Document[]) {
    for (const d of documents) {
      if (isAbstract(d)) continue;
      const key = d.schema.split('/').slice(0, 3).join('/');
      if (!S.WORKFLOW_SCHEMAS.has(key)) continue;
      let m = this.bySchema.get(key);
      if (!m) this.bySchema.set(key, (m = new Map()));
      m.set(nameOf(d), d);
    }
  }

  all(schema: string): Document[] {
    return [...(this.bySchema.get(schema)?.values() ?? [])];
  }

  get(schema: string, name: string): Document | undefined {
    return this.bySchema.get(schema)?.get(name);
  }

  problem(doc: Document, path: string, message: string): void {
    const p = { message, document: refOf(doc), path };
    // a boot action read for every node it applies to reports its problems once
    if (!this.problems.some((q) => q.message === message && q.path === path && q.document.name === p.document.name && q.document.schema === p.document.schema)) this.problems.push(p);
  }
}

function resolveProfile(r: Reader, node: Document, name: string, seen: string[]): JsonObject {
  if (seen.includes(name)) {
    r.problem(node, 'data.host_profile', `host profile inheritance loops: ${[...seen, name].join(' -> ')}`);
    return {};
  }
  const doc = r.get(S.HOST_PROFILE, name);
  if (!doc) {
    r.problem(node, 'data.host_profile', `no ${S.HOST_PROFILE} named ${name}`);
    return {};
  }
  const data = obj(doc.data);
  const parent = typeof data.host_profile === 'string' ? resolveProfile(r, node, data.host_profile, [...seen, name]) : {};
  return mergeHost(parent, data);
}

function bootAssetsFor(r: Reader, node: { name: string; tags: string[]; rack?: string }): BootAsset[] {
  const out: BootAsset[] = [];
  for (const doc of r.all(S.BOOT_ACTION)) {
    const data = obj(doc.data);
    if (!bootActionApplies(obj(data.node_filter), node)) continue;
    const assets = Array.isArray(data.assets) ? data.assets : [];
    assets.forEach((a, i) => {
      const asset = obj(a);
      const at = `data.assets[${i}]`;
      if (typeof asset.location === 'string' && asset.data === undefined) {
        r.problem(doc, `${at}.location`, 'assets fetched from a location are not supported; give the content as data');
        return;
      }
      let content = typeof asset.data === 'string' ? asset.data : '';
      for (const step of strings(asset.data_pipeline)) {
        if (step === 'base64_decode') content = Buffer.from(content, 'base64').toString('utf8');
        else if (step === 'base64_encode') content = Buffer.from(content, 'utf8').toString('base64');
        else if (step !== 'utf8_decode' && step !== 'utf8_encode') r.problem(doc, `${at}.data_pipeline`, `unknown pipeline step ${step} (known: base64_decode, base64_encode, utf8_decode, utf8_encode)`);
      }
      const type = asset.type as BootAsset['type'];
      if (type !== 'pkg_list' && typeof asset.path !== 'string') r.problem(doc, `${at}.path`, `a ${type} asset needs a path`);
      out.push({ action: nameOf(doc), type, ...(typeof asset.path === 'string' ? { path: asset.path } : {}), data: content, ...(asset.permissions !== undefined ? { permissions: String(asset.permissions) } : {}) });
    });
  }
  return out;
}

/** Drydock's node_filter: a union of filter sets, each matching by name, tag or rack; no filter means every node. */
export function bootActionApplies(filter: JsonObject, node: { name: string; tags: string[]; rack?: string }): boolean {
  const sets = Array.isArray(filter.filter_set) ? filter.filter_set.map(obj) : [];
  if (sets.length === 0) return true;
  return sets.some((s) => {
    const names = strings(s.node_names);
    const tags = strings(s.node_tags);
    const racks = strings(s.rack_names);
    return names.includes(node.name) || tags.some((t) => node.tags.includes(t)) || (node.rack !== undefined && racks.includes(node.rack));
  });
}

function readNode(r: Reader, doc: Document): NodeDesign | undefined {
  const own = obj(doc.data);
  const data = typeof own.host_profile === 'string' ? mergeHost(resolveProfile(r, doc, own.host_profile, []), own) : own;
  const oob = obj(data.oob);
  const meta = obj(data.metadata);
  const platform = obj(data.platform);
  const addressing = (Array.isArray(data.addressing) ? data.addressing : []).map(obj).map((a) => ({ network: String(a.network), address: String(a.address) }));
  const name = nameOf(doc);
  const type = (typeof oob.type === 'string' ? oob.type : undefined) as OobDesign['type'] | undefined;
  if (!type) {
    r.problem(doc, 'data.oob.type', 'no out-of-band type (ipmi, redfish, fake) in the node or its host profile');
    return undefined;
  }
  let address = typeof oob.address === 'string' ? oob.address : undefined;
  if (!address && typeof oob.network === 'string') address = addressing.find((a) => a.network === oob.network)?.address;
  if (!address && (type === 'ipmi' || type === 'redfish')) {
    r.problem(doc, 'data.addressing', `no address on the oob network ${String(oob.network ?? '(unset)')} for the ${type} BMC`);
    return undefined;
  }
  const hardwareProfile = typeof data.hardware_profile === 'string' ? data.hardware_profile : undefined;
  let bootMode: string | undefined;
  if (hardwareProfile) {
    const hw = r.get(S.HARDWARE_PROFILE, hardwareProfile);
    if (!hw) r.problem(doc, 'data.hardware_profile', `no ${S.HARDWARE_PROFILE} named ${hardwareProfile}`);
    else if (typeof obj(hw.data).boot_mode === 'string') bootMode = String(obj(hw.data).boot_mode);
  }
  const tags = strings(meta.tags);
  const rack = typeof meta.rack === 'string' ? meta.rack : undefined;
  const node: Omit<NodeDesign, 'hash'> = {
    name,
    ...(typeof own.host_profile === 'string' ? { hostProfile: own.host_profile } : {}),
    ...(hardwareProfile ? { hardwareProfile } : {}),
    oob: {
      type,
      ...(address ? { address } : {}),
      ...(typeof oob.port === 'number' ? { port: oob.port } : {}),
      ...(typeof oob.account === 'string' ? { account: oob.account } : {}),
      ...(typeof oob.credential === 'string' ? { credential: oob.credential } : {}),
      ...(typeof oob.system_id === 'string' ? { systemId: oob.system_id } : {}),
    },
    ...(typeof meta.boot_mac === 'string' ? { bootMac: meta.boot_mac.toLowerCase() } : {}),
    ...(rack ? { rack } : {}),
    tags,
    labels: Object.fromEntries(Object.entries(obj(meta.owner_data)).map(([k, v]) => [k, String(v)])),
    ...(typeof platform.image === 'string' ? { image: platform.image } : {}),
    ...(typeof platform.kernel === 'string' ? { kernel: platform.kernel } : {}),
    kernelParams: obj(platform.kernel_params),
    ...(bootMode ? { bootMode } : {}),
    addressing,
    bootAssets: bootAssetsFor(r, { name, tags, rack }),
    ...(typeof platform.boot_interface === 'string' ? { bootInterface: platform.boot_interface } : {}),
    ...(typeof platform.deploy_interface === 'string' ? { deployInterface: platform.deploy_interface } : {}),
  };
  return { ...node, hash: designHash(node) };
}

function readGroups(r: Reader, nodes: NodeDesign[]): GroupDesign[] {
  const strategies = r.all(S.DEPLOYMENT_STRATEGY);
  // No strategy: Shipyard's default, one critical group of every node.
  if (strategies.length === 0) {
    return nodes.length ? [{ name: 'default', critical: true, dependsOn: [], selectors: [{ nodeNames: [], nodeLabels: [], nodeTags: [], rackNames: [] }], successCriteria: {} }] : [];
  }
  if (strategies.length > 1) r.problem(strategies[1], '', `more than one ${S.DEPLOYMENT_STRATEGY}; the first, ${nameOf(strategies[0])}, is used`);
  const doc = strategies[0];
  const groups = (Array.isArray(obj(doc.data).groups) ? (obj(doc.data).groups as JsonValue[]) : []).map(obj).map((g) => {
    const sc = obj(g.success_criteria);
    return {
      name: String(g.name),
      critical: g.critical === true,
      dependsOn: strings(g.depends_on),
      selectors: (Array.isArray(g.selectors) ? g.selectors : []).map(obj).map((s) => ({
        nodeNames: strings(s.node_names),
        nodeLabels: strings(s.node_labels),
        nodeTags: strings(s.node_tags),
        rackNames: strings(s.rack_names),
      })),
      successCriteria: {
        ...(typeof sc.percent_successful_nodes === 'number' ? { percentSuccessfulNodes: sc.percent_successful_nodes } : {}),
        ...(typeof sc.minimum_successful_nodes === 'number' ? { minimumSuccessfulNodes: sc.minimum_successful_nodes } : {}),
        ...(typeof sc.maximum_failed_nodes === 'number' ? { maximumFailedNodes: sc.maximum_failed_nodes } : {}),
      },
    };
  });
  const names = new Set<string>();
  groups.forEach((g, i) => {
    if (names.has(g.name)) r.problem(doc, `data.groups[${i}].name`, `group ${g.name} is named twice`);
    names.add(g.name);
  });
  groups.forEach((g, i) =>
    g.dependsOn.forEach((d, j) => {
      if (!names.has(d)) r.problem(doc, `data.groups[${i}].depends_on[${j}]`, `group ${g.name} depends on ${d}, which is not a group`);
    }),
  );
  try {
    orderGroups(groups);
  } catch (err) {
    r.problem(doc, 'data.groups', (err as Error).message);
  }
  return groups;
}

function readSoftware(r: Reader): { releasePrefix: string; chartGroups: ChartGroupDesign[]; workloads: WorkloadDesign[] } {
  const manifests = r.all(S.ARMADA_MANIFEST);
  if (manifests.length === 0) return { releasePrefix: '', chartGroups: [], workloads: [] };
  if (manifests.length > 1) r.problem(manifests[1], '', `more than one ${S.ARMADA_MANIFEST}; the first, ${nameOf(manifests[0])}, is used`);
  const m = manifests[0];
  const prefix = String(obj(m.data).release_prefix ?? '');
  const chartGroups: ChartGroupDesign[] = [];
  const workloads: WorkloadDesign[] = [];
  const seenReleases = new Map<string, string>();
  strings(obj(m.data).chart_groups).forEach((gname, gi) => {
    const gdoc = r.get(S.CHART_GROUP, gname);
    if (!gdoc) {
      r.problem(m, `data.chart_groups[${gi}]`, `no ${S.CHART_GROUP} named ${gname}`);
      return;
    }
    const g = obj(gdoc.data);
    const members = strings(g.chart_group);
    chartGroups.push({ name: gname, sequenced: g.sequenced === true, testCharts: g.test_charts === true, workloads: [] });
    members.forEach((wname, wi) => {
      const wdoc = r.get(S.WORKLOAD, wname);
      if (!wdoc) {
        r.problem(gdoc, `data.chart_group[${wi}]`, `no ${S.WORKLOAD} named ${wname}`);
        return;
      }
      const w = readWorkload(r, wdoc, prefix, gname);
      if (!w) return;
      const other = seenReleases.get(w.release);
      if (other) {
        r.problem(wdoc, 'data.release', `release ${w.release} is also ${other}'s`);
        return;
      }
      seenReleases.set(w.release, wname);
      chartGroups[chartGroups.length - 1].workloads.push(w.name);
      workloads.push(w);
    });
  });
  return { releasePrefix: prefix, chartGroups, workloads };
}

function readWorkload(r: Reader, doc: Document, prefix: string, chartGroup: string): WorkloadDesign | undefined {
  const d = obj(doc.data);
  const dur = (path: string, v: JsonValue | undefined, fallback: number) => {
    try {
      return parseDuration(v, fallback);
    } catch (err) {
      r.problem(doc, path, (err as Error).message);
      return fallback;
    }
  };
  const wait = dur('data.wait.timeout', obj(d.wait).timeout, DEFAULT_WAIT_MS);
  const hc = obj(d.health_check);
  const test = obj(d.test);
  const sel = obj(d.node_selector);
  if (d.runtime !== undefined && d.runtime_class !== undefined) r.problem(doc, 'data.runtime', 'give runtime or runtime_class, not both');
  if (d.host !== undefined && d.node_selector !== undefined) r.problem(doc, 'data.host', 'give host or node_selector, not both');
  const release = `${prefix ? `${prefix}-` : ''}${typeof d.release === 'string' ? d.release : nameOf(doc)}`;
  const spec: Omit<WorkloadDesign, 'hash' | 'chartGroup' | 'waitTimeoutMs' | 'protected'> = {
    name: nameOf(doc),
    release,
    ...(typeof d.image === 'string' ? { image: d.image } : {}),
    command: strings(d.command),
    ...(typeof d.runtime === 'string' ? { runtime: d.runtime } : {}),
    ...(typeof d.runtime_class === 'string' ? { runtimeClass: d.runtime_class } : {}),
    ...(typeof d.accelerator_profile === 'string' ? { acceleratorProfile: d.accelerator_profile } : {}),
    replicas: typeof d.replicas === 'number' ? d.replicas : 1,
    ...(d.node_selector !== undefined ? { nodeSelector: { nodeNames: strings(sel.node_names), nodeTags: strings(sel.node_tags), rackNames: strings(sel.rack_names) } } : {}),
    ...(typeof d.host === 'string' ? { host: d.host } : {}),
    env: Object.fromEntries(Object.entries(obj(d.env)).map(([k, v]) => [k, String(v)])),
    ...(d.memory !== undefined ? { memory: d.memory as string | number } : {}),
    ...(d.cpus !== undefined ? { cpus: d.cpus as string | number } : {}),
    ...(Array.isArray(hc.command) ? { healthCheck: { command: strings(hc.command), timeoutMs: dur('data.health_check.timeout', hc.timeout, 10_000) } } : {}),
    ...(Array.isArray(test.command) && test.enabled !== false ? { test: { command: strings(test.command), timeoutMs: dur('data.test.timeout', test.timeout, 60_000) } } : {}),
  };
  // The hash covers what the sandboxes run, not how long the workflow waits for them.
  return { ...spec, chartGroup, waitTimeoutMs: wait, protected: d.protected !== undefined, hash: designHash(spec) };
}

/** Reads the design out of rendered documents; throws DesignError listing every problem. */
export function readDesign(documents: readonly Document[]): SiteDesign {
  const r = new Reader(documents);
  const nodes = r.all(S.BAREMETAL_NODE).map((d) => readNode(r, d)).filter((n): n is NodeDesign => n !== undefined);
  const macs = new Map<string, string>();
  for (const n of nodes) {
    if (!n.bootMac) continue;
    const other = macs.get(n.bootMac);
    if (other) r.problem(r.get(S.BAREMETAL_NODE, n.name)!, 'data.metadata.boot_mac', `boot MAC ${n.bootMac} is also ${other}'s`);
    macs.set(n.bootMac, n.name);
  }
  const groups = readGroups(r, nodes);
  const software = readSoftware(r);
  const nodeNames = new Set(nodes.map((n) => n.name));
  for (const w of software.workloads) {
    if (w.host && !nodeNames.has(w.host)) r.problem(r.get(S.WORKLOAD, w.name)!, 'data.host', `host ${w.host} is not a ${S.BAREMETAL_NODE}`);
  }
  if (r.problems.length) throw new DesignError(r.problems);
  return { nodes, groups, ...software };
}
