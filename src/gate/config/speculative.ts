// Speculative layouts: an item whose changes edit Zuul configuration is
// tested with that configuration, as Zuul's manager does
// (_loadDynamicLayout): untrusted projects' changes take effect for the
// item; config-project changes are only checked (they act once merged).
// Invalid configuration is reported on the item and never used.

import type { ConfigError } from './errors.js';
import type { Layout } from './layout.js';
import { loadTenantLayout, ZUUL_CONF_ROOTS, type LoadOptions } from './loader.js';
import { OverlayReader, type ConfigReader } from './reader.js';
import type { TenantConfig } from './tenant-config.js';

export interface SpeculativeChange {
  project: string;
  branch: string;
  /** The commit holding the change merged onto its branch (and the items ahead). */
  ref: string;
  /** Files the change touches. */
  files: readonly string[];
}

/** Whether a changed file is configuration for the project (zuul.yaml, zuul.d/…, or an extra config path). */
export function isConfigFile(file: string, extraFiles: readonly string[] = [], extraDirs: readonly string[] = []): boolean {
  for (const root of ZUUL_CONF_ROOTS) {
    if (file === root || file.startsWith(`${root}/`)) return true;
  }
  return extraFiles.includes(file) || extraDirs.some((d) => file.startsWith(`${d}/`));
}

/**
 * Zuul's _findRelevantErrors: errors the base layout (and items ahead) did
 * not have, plus every error in a project-branch the item changes.
 */
export function findRelevantErrors(candidate: Layout, baseKeys: ReadonlySet<string>, changes: ReadonlyArray<{ project: string; branch: string }>): ConfigError[] {
  return candidate.errors.all.filter((e) => !baseKeys.has(e.key) ||
    changes.some((c) => e.location?.project === c.project && e.location?.branch === c.branch));
}

/**
 * Errors a candidate layout has that the current one does not: when there
 * are any, a reconfiguration should keep the current (last good) layout.
 */
export function introducedErrors(current: Layout, candidate: Layout): ConfigError[] {
  const keys = current.errors.errorKeys();
  return candidate.errors.errors.filter((e) => !keys.has(e.key));
}

export interface SpeculativeInput {
  tenantConfig: TenantConfig;
  reader: ConfigReader;
  /** The tenant's current layout. */
  current: Layout;
  /** Changes whose configuration applies: those of items ahead that edit config, then the item's own. */
  changes: SpeculativeChange[];
  /** The item's own changes (errors in their project-branch are always relevant). */
  itemChanges: ReadonlyArray<{ project: string; branch: string }>;
  /** Error keys already reported on items ahead. */
  aheadErrorKeys?: Iterable<string>;
  options?: LoadOptions;
}

export interface SpeculativeResult {
  /** The layout to freeze the item's jobs with; null when the item must not run. */
  layout: Layout | null;
  /** Problems to report on the item (with file:line). */
  errors: ConfigError[];
  /** A note to report instead, when the config is only valid with a config-project change merged. */
  message?: string;
  /** Whether the item's layout differs from the current one (for match-on-config-updates). */
  speculative: boolean;
}

/** Builds the layout an item runs with, following Zuul's switchboard. */
export async function buildSpeculativeLayout(input: SpeculativeInput): Promise<SpeculativeResult> {
  const { current } = input;
  const tenant = current.tenant;
  const touches = (c: SpeculativeChange, trusted: boolean): boolean => {
    const p = tenant.getProject(c.project);
    if (!p || p.trusted !== trusted) return false;
    return c.files.some((f) => isConfigFile(f, p.entry.extraConfigFiles, p.entry.extraConfigDirs));
  };
  const trustedChanges = input.changes.filter((c) => touches(c, true));
  const untrustedChanges = input.changes.filter((c) => touches(c, false));
  if (!trustedChanges.length && !untrustedChanges.length) return { layout: current, errors: [], speculative: false };

  const baseKeys = new Set<string>(current.errors.errorKeys());
  for (const k of input.aheadErrorKeys ?? []) baseKeys.add(k);
  const hasErrors = (l: Layout | undefined) => !!l && l.errors.errors.length > 0;

  let trustedLayout: Layout | undefined;
  if (trustedChanges.length) {
    trustedLayout = await loadTenantLayout(input.tenantConfig, new OverlayReader(input.reader, [...trustedChanges, ...untrustedChanges]), input.options);
  }
  let untrustedLayout: Layout | undefined;
  if (untrustedChanges.length) {
    untrustedLayout = await loadTenantLayout(input.tenantConfig, new OverlayReader(input.reader, untrustedChanges), input.options);
  }
  const relevant = (l: Layout) => {
    const errors = findRelevantErrors(l, baseKeys, input.itemChanges);
    return { errors, fatal: errors.some((e) => e.severity === 'error') };
  };

  if (untrustedLayout && !hasErrors(untrustedLayout) && (!trustedLayout || !hasErrors(trustedLayout))) {
    return { layout: untrustedLayout, errors: [], speculative: true };
  }
  if (!untrustedLayout && trustedLayout && !hasErrors(trustedLayout)) {
    // Config-project changes do not apply before they merge.
    return { layout: current, errors: [], speculative: false };
  }
  if (trustedLayout && !hasErrors(trustedLayout) && untrustedLayout && hasErrors(untrustedLayout)) {
    return {
      layout: null,
      errors: [],
      message: 'This change depends on a change to a config project. The syntax of the configuration in this change has been verified ' +
        'to be correct once the config project change upon which it depends is merged, but it can not be used until that occurs.',
      speculative: true,
    };
  }
  const broken = untrustedLayout && hasErrors(untrustedLayout) ? untrustedLayout : trustedLayout!;
  const { errors, fatal } = relevant(broken);
  if (fatal) return { layout: null, errors, speculative: true };
  // Errors elsewhere, not caused by this item: run anyway.
  return { layout: broken === untrustedLayout ? untrustedLayout : current, errors, speculative: broken === untrustedLayout };
}
