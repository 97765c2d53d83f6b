// The stream's state, announced politely to screen readers.
import type { LinkState } from './live.ts';
import { errorText } from './api.ts';

const TEXT: Record<LinkState, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', unauthorized: 'token refused: log in again', refused: 'not live' };

export function LinkBadge(props: { state: LinkState; problem?: string }) {
  return <span class={`link link-${props.state}`} role="status" aria-live="polite" data-testid="link" title={props.problem}>{TEXT[props.state]}{props.problem ? `: ${props.problem}` : ''}</span>;
}

/** Body of an update that answered 200, else null (the caller shows the error). */
export function okBody(u: { status: number; body: any } | undefined): any {
  return u && u.status === 200 ? u.body : null;
}

export function UpdateError(props: { u: { status: number; body: any } | undefined; what: string }) {
  const u = props.u;
  if (!u || u.status === 200) return null;
  return <p role="alert" class="error">{props.what}: {errorText({ ...u, ok: false })}</p>;
}
