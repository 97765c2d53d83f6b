/**
 * Kernel modules for the guest (pure): the `depends=` field of a module's
 * .modinfo section, and a load order that puts every module after what it
 * depends on. Debian's kernel has its virtio, 9p and network drivers as
 * modules, so the initramfs loads them itself (busybox insmod, no depmod).
 */

/** Module name as the kernel spells it: dashes become underscores. */
export function moduleName(fileOrName: string): string {
  return fileOrName.replace(/^.*\//, '').replace(/\.ko$/, '').replace(/-/g, '_');
}

/** Reads `depends=a,b` from a .ko's bytes (the .modinfo strings are NUL-separated). */
export function moduleDepends(ko: Buffer): string[] {
  const key = Buffer.from('\0depends=');
  const at = ko.indexOf(key);
  if (at < 0) return [];
  const start = at + key.length;
  const end = ko.indexOf(0, start);
  const list = ko.toString('latin1', start, end < 0 ? undefined : end);
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(moduleName);
}

/** Orders `wanted` and everything they depend on, dependencies first. */
export function loadOrder(wanted: readonly string[], depends: ReadonlyMap<string, readonly string[]>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const deps = depends.get(name);
    if (!deps) throw new Error(`module ${name} is needed${chain.length ? ` by ${chain[chain.length - 1]}` : ''} but not available`);
    state.set(name, 'visiting');
    for (const d of deps) visit(d, [...chain, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const w of wanted) visit(moduleName(w), []);
  return order;
}
