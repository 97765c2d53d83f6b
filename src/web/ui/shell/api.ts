// Every request carries the session's token; errors become one readable line
// from whichever dialect the API speaks (core, Ironic, Deckhand).
import { session } from './session.ts';

export interface Answer<T = any> {
  status: number;
  ok: boolean;
  body: T;
}

export type Role = 'reader' | 'member' | 'admin';
export interface Me {
  name: string;
  role: Role;
  project: string;
}

// The newest microversion of each OpenStack dialect (Ironic's own header,
// Cyborg's standard one); every other API ignores them.
export const VERSIONS = { 'x-openstack-ironic-api-version': 'latest', 'openstack-api-version': 'accelerator latest' };

export async function call<T = any>(method: string, path: string, body?: unknown, token = session.token()): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...VERSIONS };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* text */
  }
  return { status: res.status, ok: res.ok, body: parsed };
}

export function errorText(a: Answer): string {
  const b = a.body;
  if (b && typeof b === 'object') {
    if (b.error?.message) return b.error.message;
    if (typeof b.error_message === 'string') {
      try {
        return JSON.parse(b.error_message).faultstring;
      } catch {
        return b.error_message;
      }
    }
    if (b.message) return b.message;
  }
  return `HTTP ${a.status}${typeof b === 'string' && b ? `: ${b.slice(0, 200)}` : ''}`;
}

export function whoami(token: string): Promise<Answer<Me>> {
  return call<Me>('GET', '/ui/api/whoami', undefined, token);
}

/** Members and admins see write actions; readers see none. */
export const canAct = (me: Me | null) => !!me && me.role !== 'reader';
/** Actions the APIs keep for admins (alarms, suppression, devices, subclouds). */
export const isAdmin = (me: Me | null) => me?.role === 'admin';
