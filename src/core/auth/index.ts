export { TokenService } from './tokens.js';
export type { TokenInfo, HashedToken } from './tokens.js';
export { ROLES, isRole, hasRole, canSeeProject } from './roles.js';
export type { Role, Principal } from './roles.js';
export { tokenFromHeaders, isLoopback } from './credentials.js';
