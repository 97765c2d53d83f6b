/**
 * Kernel modules without depmod: Debian's kernel package ships no
 * modules.dep, but every .ko names its dependencies in its .modinfo section
 * (`depends=a,b`). Reading that string is enough to load a closure of
 * modules in order with busybox insmod.
 */

/** The `depends=` list of a .ko file's modinfo; [] when it has none. */
export function moduleDepends(ko: Buffer): string[] {
  const key = Buffer.from('\0depends=');
  const at = ko.indexOf(key);
  if (at < 0) return [];
  const start = at + key.length;
  const end = ko.indexOf(0, start);
  return ko
    .subarray(start, end < 0 ? undefined : end)
    .toString('utf8')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Module names are file names with `-` and `_` equivalent. */
export const moduleName = (fileOrName: string) => fileOrName.replace(/^.*\//, '').replace(/\.ko(\.xz|\.zst|\.gz)?$/, '').replace(/-/g, '_');

/**
 * The modules to load, dependencies first, for the `wanted` ones. `depsOf`
 * returns a module's dependencies (throws for an unknown module).
 */
export function loadOrder(wanted: readonly string[], depsOf: (name: string) => string[]): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`kernel modules depend on each other in a cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const d of depsOf(name)) visit(moduleName(d), [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const w of wanted) visit(moduleName(w), []);
  return order;
}
