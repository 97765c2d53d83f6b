/**
 * For tests (here and in the conductor's): runs `bmc serve` as a separate
 * process, as operators do, and stops it by PID. The BMC's VMs (with --qemu)
 * are stopped too when it runs without --state; with --state they are left
 * for the caller (see stopMachinesIn).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { entryCommand } from './ipmi-sim.js';
import { DirMachineStore } from './store.js';
import { stopQemu } from './qemu.js';

export interface BmcProcess {
  pid: number;
  url: string;
  /** `${url}/redfish/v1/` */
  redfish: string;
  systems: { id: string; uuid: string; macs: string[] }[];
  /** stderr so far (for failure messages). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

/** Starts `bmc serve --json ARGS` and waits for its JSON line. `--listen` defaults to 127.0.0.1:0. */
export async function spawnBmc(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<BmcProcess> {
  const [file, ...pre] = entryCommand('main');
  const full = [...pre, 'bmc', 'serve', '--json', ...(args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0']), ...args];
  const child: ChildProcess = spawn(file, full, { stdio: ['ignore', 'pipe', 'pipe'], shell: false, env: opts.env ?? process.env });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-20000)));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  const info = await new Promise<{ url: string; redfish: string; systems: BmcProcess['systems'] }>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`bmc serve did not start within ${opts.timeoutMs ?? 20000} ms: ${err.trim()}`));
    }, opts.timeoutMs ?? 20000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, nl)));
      } catch {
        reject(new Error(`bmc serve printed ${out.slice(0, nl)}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bmc serve exited (${code}): ${err.trim()}`));
    });
  });
  return { pid: child.pid!, ...info, stderr: () => err, stop };
}

/** Stops every QEMU process recorded in a state directory (test clean-up). */
export async function stopMachinesIn(stateDir: string): Promise<void> {
  const store = new DirMachineStore(stateDir);
  for (const r of await store.list()) if (r.runtime) await stopQemu(r);
}
