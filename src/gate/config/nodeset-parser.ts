// `nodeset` objects, named or anonymous inside a job (configloader.py
// NodeSetParser): nodes with one or more names and a label, groups of nodes,
// or a list of alternative nodesets.

import { ConfigError } from './errors.js';
import type { NodeGroup, NodeSet } from './model.js';
import type { ConfigItem, ParseContext } from './parse-context.js';
import { ZuulRegex } from './regex.js';
import { anyOf, asList, dict, listOf, str, toList, type Check, type Path } from './validate.js';

const node = dict({ name: toList(str), label: str }, { required: ['name', 'label'] });
const group = dict({ name: str, nodes: toList(str) }, { required: ['name', 'nodes'] });
const realNodeset = { nodes: toList(node), groups: toList(group) };

function nodesetSchema(anonymous: boolean): Check {
  const top: Record<string, Check> = anonymous ? {} : { name: str };
  const required = anonymous ? [] : ['name'];
  const real = dict({ ...realNodeset, ...top }, { required: [...required, 'nodes'] });
  const alt = dict({
    alternatives: listOf(anyOf(str, dict(realNodeset, { required: ['nodes'] }))),
    ...top,
  }, { required: [...required, 'alternatives'] });
  return (v, p) => {
    if (v !== null && typeof v === 'object' && 'alternatives' in (v as object)) return alt(v, p);
    return real(v, p);
  };
}

const NAMED = nodesetSchema(false);
const ANONYMOUS = nodesetSchema(true);

/** Zuul's filter_allowed_disallowed: labels must match an allowed pattern (if any) and no disallowed one. */
export function labelPermitted(label: string, allowed?: string[], disallowed?: string[]): boolean {
  if (allowed && allowed.length && !allowed.some((p) => new ZuulRegex(p).match(label))) return false;
  if (disallowed && disallowed.some((p) => new ZuulRegex(p).match(label))) return false;
  return true;
}

function loadNodeset(ctx: ParseContext, item: ConfigItem, conf: Record<string, unknown>, path: Path, name: string | undefined): NodeSet {
  const ns: NodeSet = { name, nodes: [], groups: [], alternatives: [] };
  const what = name ? `the nodeset "${name}"` : 'the nodeset';
  const nodeNames = new Set<string>();
  const nodes = asList(conf.nodes as unknown[]);
  nodes.forEach((n, i) => {
    const nconf = n as { name: string | string[]; label: string };
    const names = asList(nconf.name);
    const at = ctx.at(item, [...path, 'nodes', i]);
    if (!labelPermitted(nconf.label, ctx.tenant.allowedLabels, ctx.tenant.disallowedLabels)) {
      throw new ConfigError('label-forbidden', `Label named "${nconf.label}" is not part of the allowed labels for this tenant`, at);
    }
    if (names.includes('localhost')) throw new ConfigError('invalid-node', "Nodes named 'localhost' are not allowed.", at);
    for (const nn of names) {
      if (nodeNames.has(nn)) throw new ConfigError('duplicate-node', `The node name "${nn}" appears more than once in ${what}`, at);
    }
    ns.nodes.push({ name: names, label: nconf.label });
    for (const nn of names) nodeNames.add(nn);
  });
  const groupNames = new Set<string>();
  asList(conf.groups as unknown[]).forEach((g, i) => {
    const gconf = g as { name: string; nodes: string | string[] };
    const at = ctx.at(item, [...path, 'groups', i]);
    if (gconf.name.includes('localhost')) throw new ConfigError('invalid-group', "Groups named 'localhost' are not allowed.", at);
    const members = asList(gconf.nodes);
    for (const m of members) {
      if (!nodeNames.has(m)) {
        throw new ConfigError('node-not-found', `In ${what} the group "${gconf.name}" contains a node named "${m}" which is not defined in the nodeset`, at);
      }
    }
    if (groupNames.has(gconf.name)) throw new ConfigError('duplicate-group', `The group "${gconf.name}" appears more than once in ${what}`, at);
    const group: NodeGroup = { name: gconf.name, nodes: members };
    ns.groups.push(group);
    groupNames.add(gconf.name);
  });
  return ns;
}

/**
 * Parses a nodeset at `path` inside `item` (path [] for a top-level nodeset
 * object). Throws ConfigError located at the offending attribute.
 */
export function parseNodeSet(ctx: ParseContext, item: ConfigItem, conf: unknown, path: Path = [], anonymous = false): NodeSet {
  ctx.validateAt(item, path, conf, anonymous ? ANONYMOUS : NAMED);
  const c = conf as Record<string, unknown>;
  const name = anonymous ? undefined : (c.name as string);
  const origin = { source: item.source, line: ctx.location(item, path).line ?? item.line };
  if ('alternatives' in c) {
    const ns: NodeSet = { name, nodes: [], groups: [], alternatives: [], origin };
    (c.alternatives as unknown[]).forEach((alt, i) => {
      ns.alternatives.push(typeof alt === 'string' ? alt : loadNodeset(ctx, item, alt as Record<string, unknown>, [...path, 'alternatives', i], undefined));
    });
    return ns;
  }
  const ns = loadNodeset(ctx, item, c, path, name);
  ns.origin = origin;
  return ns;
}

/** Structural equality, used for a nodeset defined identically on several branches. */
export function sameNodeSet(a: NodeSet, b: NodeSet): boolean {
  const strip = (n: NodeSet): unknown => ({
    name: n.name ?? '', nodes: n.nodes, groups: n.groups,
    alternatives: n.alternatives.map((x) => (typeof x === 'string' ? x : strip(x))),
  });
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
