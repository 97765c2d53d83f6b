/**
 * Credentials and Redfish sessions of the virtual BMC: one account, HTTP
 * basic authentication, and SessionService sessions (X-Auth-Token) that
 * expire after SessionTimeout seconds without use. Sessions live in memory,
 * as on a real BMC: a restart logs everyone out.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Account {
  username: string;
  password: string;
}

export interface Session {
  id: string;
  token: string;
  user: string;
  lastUsed: number;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private nextId = 1;

  constructor(
    private readonly account: Account | undefined,
    readonly timeoutS = 1800,
    private readonly now: () => number = Date.now,
  ) {}

  /** No account configured: every request is allowed (as sushy-tools without an auth file). */
  get open(): boolean {
    return !this.account;
  }

  checkPassword(username: string, password: string): boolean {
    if (!this.account) return true;
    const userOk = timingSafeEqual(digest(username), digest(this.account.username));
    const pwOk = timingSafeEqual(digest(password), digest(this.account.password));
    return userOk && pwOk;
  }

  /** Parses an Authorization: Basic header and checks it. */
  checkBasic(header: string | undefined): string | undefined {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
    if (!m) return undefined;
    const text = Buffer.from(m[1], 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i < 0) return undefined;
    const [user, pw] = [text.slice(0, i), text.slice(i + 1)];
    return this.checkPassword(user, pw) ? user : undefined;
  }

  private expire() {
    const limit = this.now() - this.timeoutS * 1000;
    for (const [id, s] of this.sessions) if (s.lastUsed < limit) this.sessions.delete(id);
  }

  create(user: string): Session {
    this.expire();
    const s: Session = { id: String(this.nextId++), token: randomBytes(24).toString('hex'), user, lastUsed: this.now() };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The session a token belongs to, refreshing its idle timer. */
  byToken(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    this.expire();
    const want = digest(token);
    for (const s of this.sessions.values()) {
      if (timingSafeEqual(digest(s.token), want)) {
        s.lastUsed = this.now();
        return s;
      }
    }
    return undefined;
  }

  list(): Session[] {
    this.expire();
    return [...this.sessions.values()];
  }

  get(id: string): Session | undefined {
    this.expire();
    return this.sessions.get(id);
  }

  delete(id: string): boolean {
    return this.sessions.delete(id);
  }
}
