// The gate's labels (nodepool's): `--gate-labels FILE`, a YAML list. A
// label names where a nodeset's node comes from and how many may exist at
// once:
//   - name: metal-small      # a metal pool: nodes of resource class `small`
//     metal-pool: small      #   are deployed for a build and cleaned after;
//     runtime: default       #   the job runs in this sandbox class on it
//     quota: 1
//     min-ready: 1           #   kept deployed ahead of requests
//   - name: default          # a sandbox class, with a quota
//     quota: 4
// Labels not listed are the sandbox classes themselves, without quota.

import { loadYaml } from '../config/yaml.js';

export interface LabelSpec {
  name: string;
  /** A metal pool (resource class); absent: a sandbox runtime class. */
  metalPool?: string;
  /** The build runtime (sandbox class) the node's session is; default: the label's name. */
  runtime: string;
  /** Nodes of this label at once (building, ready or in use); 0: no limit. */
  quota: number;
  minReady: number;
}

const KEYS = new Set(['name', 'metal-pool', 'runtime', 'quota', 'min-ready']);

export function parseLabels(text: string, file: string): LabelSpec[] {
  const { data } = loadYaml(text, { location: { path: file } });
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) throw new Error(`${file}: the labels are a YAML list`);
  const out: LabelSpec[] = [];
  data.forEach((raw, i) => {
    const at = `${file}: labels[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${at}: a label is a mapping`);
    const l = raw as Record<string, unknown>;
    for (const k of Object.keys(l)) if (!KEYS.has(k)) throw new Error(`${at}: unknown key ${k} (known: ${[...KEYS].join(', ')})`);
    if (typeof l.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(l.name)) throw new Error(`${at}.name: a label name is required`);
    if (out.some((o) => o.name === l.name)) throw new Error(`${at}.name: ${l.name} is defined twice`);
    const int = (k: string) => {
      const v = l[k] ?? 0;
      if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`${at}.${k}: a non-negative integer (got ${JSON.stringify(v)})`);
      return v as number;
    };
    if (l['metal-pool'] !== undefined && typeof l['metal-pool'] !== 'string') throw new Error(`${at}.metal-pool: a resource class name`);
    if (l.runtime !== undefined && typeof l.runtime !== 'string') throw new Error(`${at}.runtime: a sandbox class name`);
    const spec: LabelSpec = { name: l.name, runtime: (l.runtime as string | undefined) ?? l.name, quota: int('quota'), minReady: int('min-ready') };
    if (l['metal-pool']) spec.metalPool = l['metal-pool'] as string;
    if (spec.metalPool && l.runtime === undefined) spec.runtime = 'default';
    if (spec.minReady && !spec.metalPool) throw new Error(`${at}.min-ready: only metal pools keep warm nodes (a sandbox node is made with its build's workspace)`);
    if (spec.quota && spec.minReady > spec.quota) throw new Error(`${at}.min-ready: more than the quota (${spec.quota})`);
    out.push(spec);
  });
  return out;
}
