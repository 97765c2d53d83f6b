/**
 * Which objects a render may change in place.
 *
 * Deckhand's substitution writes into destinations in place and shares
 * values with their sources (see substitution.ts); Python gives each
 * document its own objects to start with. Copying every document's data up
 * front would reproduce that, at a cost. Instead, the input's objects are
 * never changed: they stand for the document's own copy until something
 * writes, and then the containers on the way are copied once ("made live")
 * and changed in place from then on, shared or not, exactly as Deckhand's
 * objects would be.
 *
 * Invariant: an input (not live) container only holds input containers, so
 * a live container found anywhere is this render's to change.
 */
import { setOwn } from './jsonpath.js';

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return v !== null && typeof v === 'object';
}

export class Ownership {
  private readonly live = new WeakSet<object>();
  /** Live containers with only live containers below them. */
  private readonly deep = new WeakSet<object>();

  isLive(v: unknown): boolean {
    return isContainer(v) && this.live.has(v);
  }

  /** Whether `v` and everything below it is live. */
  isDeep(v: unknown): boolean {
    return isContainer(v) && this.deep.has(v);
  }

  /**
   * Python's `copy.copy` of a value taken from a source: a new live
   * container holding the same children, so that source and destination
   * both see later writes below it.
   */
  shallowCopy<T>(v: T): T {
    if (!isContainer(v)) return v;
    const copy = (Array.isArray(v) ? v.slice() : { ...v }) as T & object;
    this.live.add(copy);
    if (this.deep.has(v)) this.deep.add(copy);
    return copy;
  }

  /** Marks a container this render just created. */
  fresh<T extends object>(v: T): T {
    this.live.add(v);
    return v;
  }

  /** `v` if it may be changed in place, else a live shallow copy of it (scalars as they are). */
  own<T>(v: T): T {
    if (!isContainer(v) || this.live.has(v)) return v;
    let copy: unknown;
    if (Array.isArray(v)) copy = v.slice();
    else {
      const o: Record<string, unknown> = {};
      for (const k in v) {
        if (k === '__proto__') setOwn(o, k, (v as Record<string, unknown>)[k]);
        else o[k] = (v as Record<string, unknown>)[k];
      }
      copy = o;
    }
    this.live.add(copy as object);
    return copy as T;
  }

  /** `v` with every container below it live: input parts copied, live parts kept (and so still shared). */
  ownDeep<T>(v: T): T {
    if (!isContainer(v) || this.deep.has(v)) return v;
    if (!this.live.has(v)) return this.copyLive(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = this.ownDeep(v[i]);
    } else {
      for (const k in v) {
        const child = (v as Record<string, unknown>)[k];
        const owned = this.ownDeep(child);
        if (owned !== child) setOwn(v as Record<string, unknown>, k, owned);
      }
    }
    this.deep.add(v);
    return v;
  }

  /** A deep copy whose containers are all live. */
  copyLive<T>(v: T): T {
    if (!isContainer(v)) return v;
    let copy: unknown;
    if (Array.isArray(v)) {
      const a = new Array(v.length);
      for (let i = 0; i < v.length; i++) a[i] = this.copyLive(v[i]);
      copy = a;
    } else {
      const o: Record<string, unknown> = {};
      for (const k in v) {
        const c = this.copyLive((v as Record<string, unknown>)[k]);
        if (k === '__proto__') setOwn(o, k, c);
        else o[k] = c;
      }
      copy = o;
    }
    this.live.add(copy as object);
    this.deep.add(copy as object);
    return copy as T;
  }
}
