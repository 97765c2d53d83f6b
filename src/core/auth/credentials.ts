/**
 * Finds the token a request carries, in the forms the clients Strata serves
 * send it: `Authorization: Bearer T` (Strata), `X-Auth-Token: T` (OpenStack
 * clients with token auth) and HTTP basic with the token as password
 * (Ironic's http_basic clients; the user name is ignored).
 */
export function tokenFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authz = first(headers['authorization']);
  if (authz) {
    const [scheme, value] = authz.split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'bearer' && value) return value;
    if (scheme?.toLowerCase() === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) return decoded.slice(colon + 1);
    }
  }
  return first(headers['x-auth-token']);
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** `--noauth` is allowed only where nothing but this host can connect. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
