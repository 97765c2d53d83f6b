// Zuul's semaphores, held by builds: a job naming a semaphore of max N
// runs only while fewer than N builds hold it, whatever pipeline or item
// they belong to (tenant semaphores are keyed `<tenant>:<name>`, global
// ones `global:<name>`). A build takes all of its semaphores at once or
// none, so two builds never each hold half of what the other needs.

export interface SemaphoreUse {
  key: string;
  max: number;
}

export class Semaphores {
  private readonly holders = new Map<string, Set<string>>();
  private readonly waiters = new Set<() => void>();

  /** Builds holding `key`. */
  held(key: string): string[] {
    return [...(this.holders.get(key) ?? [])];
  }

  available(uses: SemaphoreUse[], holder: string): boolean {
    return uses.every((u) => {
      const h = this.holders.get(u.key);
      return !h || h.has(holder) || h.size < u.max;
    });
  }

  /** Takes every semaphore of `uses` for `holder`, or none; true when taken. */
  tryAcquire(uses: SemaphoreUse[], holder: string): boolean {
    if (!this.available(uses, holder)) return false;
    for (const u of uses) {
      let h = this.holders.get(u.key);
      if (!h) this.holders.set(u.key, (h = new Set()));
      h.add(holder);
    }
    return true;
  }

  /** Waits until `tryAcquire` succeeds; rejects when aborted. */
  acquire(uses: SemaphoreUse[], holder: string, signal: AbortSignal): Promise<void> {
    if (this.tryAcquire(uses, holder)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const retry = () => {
        if (signal.aborted) {
          this.waiters.delete(retry);
          reject(new Error('aborted while waiting for a semaphore'));
        } else if (this.tryAcquire(uses, holder)) {
          this.waiters.delete(retry);
          signal.removeEventListener('abort', retry);
          resolve();
        }
      };
      this.waiters.add(retry);
      signal.addEventListener('abort', retry, { once: true });
    });
  }

  /** Releases everything `holder` holds and lets waiters try again. */
  release(holder: string): void {
    let freed = false;
    for (const [k, h] of this.holders) {
      if (h.delete(holder)) freed = true;
      if (h.size === 0) this.holders.delete(k);
    }
    if (freed) for (const w of [...this.waiters]) w();
  }
}
