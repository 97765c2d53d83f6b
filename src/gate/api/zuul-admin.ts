// Who may use Zuul's admin actions on a tenant: a Strata admin, or a token
// whose claims match one of the tenant's `admin-rules` (Zuul's
// authorization rules: a rule holds conditions; a condition matches when
// every claim it names has that value, or, for a list claim, contains it).
// A Strata token's claims: `sub` (its name), `role`, `project` and `groups`
// (its role), so `- admin-rule: {name: ops, conditions: [{groups: member}]}`
// admits members.

import { ForbiddenError, type Principal } from '../../core/index.js';
import type { AuthorizationRule } from '../config/index.js';
import type { GateService } from '../service.js';

export function claimsOf(p: Principal): Record<string, unknown> {
  return { sub: p.name, role: p.role, project: p.project, groups: [p.role] };
}

export function matchesRule(rule: AuthorizationRule, claims: Record<string, unknown>, tenant: string): boolean {
  return rule.conditions.some((cond) => Object.entries(cond).every(([claim, want]) => {
    const expected = typeof want === 'string' ? want.replace(/\{tenant\.name\}/g, tenant) : want;
    const have = claims[claim];
    return Array.isArray(have) ? have.includes(expected) : have === expected;
  }));
}

export function isTenantAdmin(gate: GateService, tenant: string, p: Principal): boolean {
  if (p.role === 'admin') return true;
  const config = gate.scheduler(tenant).tenantConfig;
  const rules = gate.authorizationRules();
  const claims = claimsOf(p);
  return config.adminRules.some((name) => {
    const rule = rules.find((r) => r.name === name);
    return rule ? matchesRule(rule, claims, tenant) : false;
  });
}

export function requireTenantAdmin(gate: GateService, tenant: string, p: Principal): void {
  if (!isTenantAdmin(gate, tenant, p)) {
    throw new ForbiddenError(`${p.name} is not an admin of tenant ${tenant} (a Strata admin, or a token matching one of its admin-rules)`);
  }
}
