/**
 * Kernel modules without depmod (pure): Debian's kernel package ships no
 * modules.dep, but every .ko names its dependencies in its .modinfo section
 * (`depends=a,b`). Reading that string is enough to load a closure of
 * modules in order with busybox insmod, as the deploy ramdisk and the VM
 * guest's /init both do.
 */

/** Module name as the kernel spells it: the file name without .ko(.xz|.zst|.gz), dashes as underscores. */
export function moduleName(fileOrName: string): string {
  return fileOrName.replace(/^.*\//, '').replace(/\.ko(\.xz|\.zst|\.gz)?$/, '').replace(/-/g, '_');
}

/** The `depends=` list of a .ko file's modinfo (NUL-separated strings); [] when it has none. */
export function moduleDepends(ko: Buffer): string[] {
  const key = Buffer.from('\0depends=');
  const at = ko.indexOf(key);
  if (at < 0) return [];
  const start = at + key.length;
  const end = ko.indexOf(0, start);
  return ko
    .toString('latin1', start, end < 0 ? undefined : end)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(moduleName);
}

/**
 * The modules to load, dependencies first, each once, for the `wanted`
 * ones. `depsOf` returns a module's dependencies, or undefined when the
 * module is not available (then the error names it and the module that
 * needed it); it may also throw its own error. A cycle is an error naming
 * the chain.
 */
export function loadOrder(wanted: readonly string[], depsOf: (name: string) => readonly string[] | undefined): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`kernel module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const deps = depsOf(name);
    if (!deps) throw new Error(`module ${name} is needed${chain.length ? ` by ${chain[chain.length - 1]}` : ''} but not available`);
    state.set(name, 'visiting');
    for (const d of deps) visit(moduleName(d), [...chain, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const w of wanted) visit(moduleName(w), []);
  return order;
}
