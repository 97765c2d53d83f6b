/**
 * runc's command line: global flags, a command, its flags and positional
 * arguments. Flags take `--name value` or `--name=value`; flags runc
 * accepts that mean nothing here (--systemd-cgroup, --no-pivot,
 * --no-new-keyring, --debug ...) are accepted and ignored, as a caller
 * written for runc passes them.
 */
export interface Parsed {
  global: { root?: string; log?: string; logFormat?: string; version?: boolean };
  command?: string;
  positional: string[];
  flag(name: string, short?: string): string | undefined;
  all(name: string, short?: string): string[];
  bool(name: string, short?: string): boolean;
}

/** Flags that take a value (everything else is a boolean). */
const VALUED = new Set(['root', 'log', 'log-format', 'bundle', 'b', 'pid-file', 'console-socket', 'process', 'p', 'cwd', 'env', 'e', 'format', 'f', 'user', 'u', 'preserve-fds', 'criu', 'process-label', 'apparmor', 'cap', 'c']);
/** Short flags that are booleans in one command and take values in another. */
const BOOL_IN: Record<string, string[]> = { f: ['delete', 'kill'], d: ['exec', 'run'], t: ['exec'], a: ['kill'], q: ['list'] };

export function parseArgs(argv: readonly string[]): Parsed {
  const global: Parsed['global'] = {};
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (command && positional.length && command === 'exec' && !arg.startsWith('-')) {
      positional.push(...argv.slice(i)); // exec ID CMD ARGS...: the command's own flags are its own
      break;
    }
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const body = arg.replace(/^--?/, '');
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const boolHere = command !== undefined && (BOOL_IN[name] ?? []).includes(command);
      let value: string;
      if (eq >= 0) value = body.slice(eq + 1);
      else if (VALUED.has(name) && !boolHere) {
        if (i + 1 >= argv.length) throw new Error(`flag needs an argument: --${name}`);
        value = argv[++i];
      } else value = 'true';
      if (!command) {
        if (name === 'root') global.root = value;
        else if (name === 'log') global.log = value;
        else if (name === 'log-format') global.logFormat = value;
        else if (name === 'version' || name === 'v') global.version = true;
        continue; // --systemd-cgroup, --debug, --rootless ...
      }
      flags.set(name, [...(flags.get(name) ?? []), value]);
      continue;
    }
    if (!command) command = arg;
    else positional.push(arg);
  }
  const get = (name: string, short?: string) => [...(flags.get(name) ?? []), ...(short ? (flags.get(short) ?? []) : [])];
  return {
    global,
    command,
    positional,
    flag: (name, short) => get(name, short).at(-1),
    all: get,
    bool: (name, short) => get(name, short).some((v) => v !== 'false'),
  };
}
