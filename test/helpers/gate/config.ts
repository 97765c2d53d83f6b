// For the gate's configuration tests: build a tenant from YAML text and
// load it from memory.

import { loadTenant, type LoadedTenant, type LoadOptions } from '../../../src/gate/config/loader.js';
import { MemoryReader, type MemoryRepo } from '../../../src/gate/config/reader.js';
import { parseTenantConfig, type TenantConfig } from '../../../src/gate/config/tenant-config.js';

export function tenantFromYaml(text: string, name?: string): TenantConfig {
  const file = parseTenantConfig(text, 'main.yaml');
  if (file.errors.errors.length) throw new Error(file.errors.errors.map((e) => e.message).join('\n'));
  const t = name ? file.tenants.find((x) => x.name === name) : file.tenants[0];
  if (!t) throw new Error(`no tenant ${name ?? ''}`);
  return t;
}

/** A tenant `t` on the local connection: config project `org/config`, then `untrusted` in order. */
export function simpleTenant(untrusted: string[] = [], extra = ''): TenantConfig {
  const lines = [
    '- tenant:',
    '    name: t',
    extra,
    '    source:',
    '      local:',
    '        config-projects:',
    '          - org/config',
  ];
  if (untrusted.length) {
    lines.push('        untrusted-projects:');
    for (const u of untrusted) lines.push(`          - ${u}`);
  }
  return tenantFromYaml(lines.filter((l) => l !== '').join('\n'));
}

/** A minimal config project: check (independent) and gate (dependent) pipelines and a base job. */
export const BASE_CONFIG = `
- pipeline:
    name: check
    manager: independent
    trigger:
      local:
        - event: patchset-created
    success:
      local:
        Verified: 1
    failure:
      local:
        Verified: -1

- pipeline:
    name: gate
    manager: dependent
    post-review: true
    trigger:
      local:
        - event: comment-added
          approval:
            - Workflow: 1
    success:
      local:
        Verified: 2
        submit: true
    failure:
      local:
        Verified: -2

- job:
    name: base
    parent: null
    run: echo base
    timeout: 1800
    nodeset:
      nodes:
        - name: controller
          label: debian-12
`;

export function repo(files: Record<string, string>, more: Record<string, Record<string, string>> = {}, refs: MemoryRepo['refs'] = {}): MemoryRepo {
  return { branches: { master: files, ...more }, refs };
}

export async function loadMemory(tenant: TenantConfig, repos: Record<string, MemoryRepo>, opts: LoadOptions = {}): Promise<LoadedTenant> {
  return loadTenant(tenant, new MemoryReader(repos), opts);
}

/** `code@path:line` of every problem, for compact assertions. */
export function problems(loaded: LoadedTenant, severity?: 'error' | 'warning'): string[] {
  return loaded.layout.errors.all
    .filter((e) => !severity || e.severity === severity)
    .map((e) => `${e.code}@${e.location?.path}:${e.location?.line}`);
}

/** The 1-based line of the first line of `text` containing `needle` (after `from` lines). */
export function lineOf(text: string, needle: string, from = 0): number {
  const lines = text.split('\n');
  for (let i = from; i < lines.length; i++) if (lines[i].includes(needle)) return i + 1;
  throw new Error(`"${needle}" not found`);
}
