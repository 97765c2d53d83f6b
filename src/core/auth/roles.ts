/** Roles, weakest first: each includes the ones before it. */
export const ROLES = ['reader', 'member', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  /** Non-admin principals see and change only their project's resources. */
  project: string;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function hasRole(p: Principal, required: Role): boolean {
  return ROLES.indexOf(p.role) >= ROLES.indexOf(required);
}

/** Admins see every project; everyone else their own. */
export function canSeeProject(p: Principal, project: string | null | undefined): boolean {
  return p.role === 'admin' || (project !== null && project !== undefined && project === p.project);
}
