/**
 * `strata bmc …`: virtual BMCs for labs and CI.
 *
 *   bmc serve      a Redfish service emulating N machines (in memory, on disk, or QEMU VMs)
 *   bmc ipmi-sim   an IPMI BMC (OpenIPMI ipmi_sim) for one machine of a --state directory
 *   bmc ipmi-hook  the chassis-control hook ipmi_sim runs (not for people)
 *   bmc list       the machines of a --state directory
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { defaultQemuConfig } from './qemu.js';
import { openMachines, Machines } from './machines.js';
import { buildRedfishService } from './redfish-service.js';
import { DirMachineStore } from './store.js';
import { runIpmiHook } from './ipmi-hook.js';
import { startIpmiSim } from './ipmi-sim.js';
import { uuidFrom } from './machine.js';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

/** "HOST:PORT", "[V6]:PORT" or "PORT" (127.0.0.1 then). */
export function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d+)$/.exec(v) ?? /^()()(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`"${v}" is not HOST:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw new InvalidArgumentError(`port ${port} is out of range`);
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

function readSecretFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${what} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (!secret) throw new Error(`${what} ${path} is empty`);
  return secret;
}

function fail(err: unknown): never {
  process.stderr.write(`strata bmc: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

export function register(program: Command): Command {
  const bmc = program.command('bmc').description('virtual BMCs (Redfish and IPMI) emulating bare-metal machines, optionally backed by QEMU');

  bmc
    .command('serve')
    .description('serve a Redfish BMC for N emulated machines')
    .addOption(new Option('--listen <addr>', 'HOST:PORT to listen on (port 0 picks one)').argParser(parseListen).default({ host: '127.0.0.1', port: 8000 }, '127.0.0.1:8000'))
    .requiredOption('--systems <n>', 'how many machines', int('--systems', 1, 10000))
    .option('--username <user>', 'require this user (basic auth and sessions); no authentication without it')
    .option('--password-file <file>', 'file holding the password (never pass it on the command line)')
    .option('--state <dir>', 'keep machines in this directory (they survive restarts, and ipmi-sim/ipmi-hook share them)')
    .option('--prefix <name>', 'system Id prefix: PREFIX-0, PREFIX-1, …', 'node')
    .option('--cpus <n>', 'vCPUs per machine', int('--cpus', 1, 64), 1)
    .option('--memory <mib>', 'memory per machine, MiB (Ironic reads whole GiB: keep it a multiple of 1024 for real Ironic)', int('--memory', 64, 1048576), 1024)
    .option('--disk-gb <gib>', 'disk per machine, GiB', int('--disk-gb', 1, 65536), 10)
    .option('--nics <n>', 'NICs per machine', int('--nics', 0, 8), 1)
    .option('--qemu', 'back every machine with a QEMU VM (power on starts it)')
    .option('--qemu-binary <path>', 'QEMU system emulator', 'qemu-system-x86_64')
    .option('--qemu-netdev <spec>', 'QEMU -netdev backend per NIC, without id; {index} and {id} are substituted (e.g. tap,ifname=tap-{id},script=no,downscript=no)', 'user,restrict=on')
    .option('--qemu-netns <name>', 'run the VMs inside this network namespace')
    .option('--qemu-firmware <file>', 'OVMF code image for UEFI boot (found automatically when installed)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'private key of --tls-cert (PEM)')
    .option('--log-requests', 'log each request to stderr')
    .option('--json', 'print the service URL and systems as one JSON line')
    .action(async (o) => {
      try {
        if (o.username && !o.passwordFile) throw new Error('--username needs --password-file');
        if (o.passwordFile && !o.username) throw new Error('--password-file needs --username');
        if (!!o.tlsCert !== !!o.tlsKey) throw new Error('--tls-cert and --tls-key go together');
        const account = o.username ? { username: o.username as string, password: readSecretFile(o.passwordFile, 'password file') } : undefined;
        const qemu = o.qemu ? defaultQemuConfig({ binary: o.qemuBinary, netdev: o.qemuNetdev, netns: o.qemuNetns, firmware: o.qemuFirmware }) : undefined;
        const { machines, cleanup } = await openMachines({
          systems: o.systems,
          stateDir: o.state,
          prefix: o.prefix,
          cpus: o.cpus,
          memoryMiB: o.memory,
          diskGiB: o.diskGb,
          nics: o.nics,
          qemu,
        });
        const app = buildRedfishService({
          machines,
          account,
          serviceUuid: uuidFrom(`strata-bmc/${o.state ?? process.pid}`),
          tls: o.tlsCert ? { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) } : undefined,
          logRequests: !!o.logRequests,
        });
        await app.listen({ host: o.listen.host, port: o.listen.port });
        const addr = app.server.address();
        const port = typeof addr === 'object' && addr ? addr.port : o.listen.port;
        const host = o.listen.host.includes(':') ? `[${o.listen.host}]` : o.listen.host;
        const url = `${o.tlsCert ? 'https' : 'http'}://${host}:${port}`;
        const systems = await machines.list();
        if (o.json) {
          process.stdout.write(JSON.stringify({ url, redfish: `${url}/redfish/v1/`, pid: process.pid, systems: systems.map((s) => ({ id: s.id, uuid: s.uuid, macs: s.hardware.nics.map((n) => n.mac) })) }) + '\n');
        } else {
          process.stdout.write(`strata bmc: Redfish service at ${url}/redfish/v1/ with ${systems.length} system(s)${o.qemu ? ' backed by QEMU' : ''}${o.state ? `, state in ${o.state}` : ''}\n`);
        }
        // QEMU machines change on their own (a guest powers off, an ACPI restart completes).
        const tick = qemu ? setInterval(() => void machines.list().catch(() => {}), 1000) : undefined;
        tick?.unref();
        let closing = false;
        const shutdown = async () => {
          if (closing) return;
          closing = true;
          if (tick) clearInterval(tick);
          await app.close();
          // Without --state the machines die with the BMC; with it, VMs keep running like hosts behind a rebooting BMC.
          if (!o.state) await machines.stopAll();
          cleanup();
          process.exit(0);
        };
        process.on('SIGINT', () => void shutdown());
        process.on('SIGTERM', () => void shutdown());
      } catch (err) {
        fail(err);
      }
    });

  bmc
    .command('ipmi-sim')
    .description('serve IPMI (OpenIPMI ipmi_sim, lanplus, cipher suite 3) for one machine of a --state directory')
    .requiredOption('--state <dir>', 'the state directory of `bmc serve --state`')
    .requiredOption('--system <id>', 'the system to control')
    .addOption(new Option('--listen <addr>', 'HOST:PORT (UDP) to listen on; port 0 picks one').argParser(parseListen).default({ host: '127.0.0.1', port: 623 }, '127.0.0.1:623'))
    .requiredOption('--username <user>', 'IPMI user name')
    .requiredOption('--password-file <file>', 'file holding the IPMI password')
    .requiredOption('--config-dir <dir>', 'where to write lan.conf (mode 0600), the emu file and the hook')
    .option('--json', 'print address, port and pid as one JSON line')
    .action(async (o) => {
      try {
        const store = new DirMachineStore(o.state);
        if (!(await new Machines(store).get(o.system))) throw new Error(`no system "${o.system}" in ${o.state}`);
        const sim = await startIpmiSim({
          configDir: o.configDir,
          stateDir: o.state,
          system: o.system,
          username: o.username,
          password: readSecretFile(o.passwordFile, 'password file'),
          address: o.listen.host,
          port: o.listen.port,
        });
        process.stdout.write(o.json ? JSON.stringify({ address: sim.address, port: sim.port, pid: sim.pid }) + '\n' : `strata bmc: IPMI for ${o.system} at ${sim.address}:${sim.port} (ipmitool -I lanplus -C 3)\n`);
        const stop = async () => {
          await sim.stop();
          process.exit(0);
        };
        process.on('SIGINT', () => void stop());
        process.on('SIGTERM', () => void stop());
      } catch (err) {
        fail(err);
      }
    });

  bmc
    .command('ipmi-hook')
    .description('chassis-control hook for ipmi_sim: SYSTEM DEVICE get|set PARAM [VALUE]…')
    .requiredOption('--state <dir>', 'the state directory')
    .argument('<system>', 'the system the hook controls')
    .argument('[args...]', 'what ipmi_sim passes: device, get|set, parameters')
    .allowUnknownOption()
    .action(async (system: string, args: string[], o) => {
      try {
        const res = await runIpmiHook(new Machines(new DirMachineStore(o.state)), system, args);
        process.stdout.write(res.stdout);
        process.exitCode = res.exitCode;
      } catch (err) {
        // ipmi_sim shows the hook's stdout as the error.
        process.stdout.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      }
    });

  bmc
    .command('list')
    .description('list the machines of a --state directory')
    .requiredOption('--state <dir>', 'the state directory')
    .addOption(new Option('--json', 'print JSON'))
    .action(async (o) => {
      try {
        const list = await new Machines(new DirMachineStore(o.state)).list();
        if (o.json) {
          process.stdout.write(JSON.stringify(list.map((r) => ({ id: r.id, uuid: r.uuid, power: r.power, boot: r.boot, lastBootTarget: r.lastBootTarget ?? null, macs: r.hardware.nics.map((n) => n.mac), pid: r.runtime?.pid ?? null }))) + '\n');
          return;
        }
        for (const r of list) {
          process.stdout.write(`${r.id}\t${r.power}\t${r.boot.target}/${r.boot.enabled}\t${r.hardware.nics.map((n) => n.mac).join(',')}${r.runtime ? `\tpid ${r.runtime.pid}` : ''}\n`);
        }
      } catch (err) {
        fail(err);
      }
    });

  return bmc;
}
