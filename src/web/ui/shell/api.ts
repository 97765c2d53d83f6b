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

const IRONIC = { 'x-openstack-ironic-api-version': 'latest' };

export async function call<T = any>(method: string, path: string, body?: unknown, token = session.token()): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...IRONIC };
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

export const canAct = (me: Me | null) => !!me && me.role !== 'reader';
