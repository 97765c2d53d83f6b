#!/usr/bin/env node
/**
 * strata-runtime: the OCI runtime command line (as runc's), so podman
 * (`--runtime`) and containerd (the runc v2 shim's BinaryName) run
 * containers in Strata sandboxes: a VM by default, or gVisor, runc or
 * namespaces by the `io.strata.runtime` annotation. Errors are one line, to
 * --log as runc writes them (podman and containerd show them) and stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { SandboxManager } from '../manager/sandbox-manager.js';
import { parseEnvList } from '../model/spec.js';
import { assetPath } from '../cache/assets.js';
import { planBundle, OCI_RUNTIMES, RUNTIME_ANNOTATION, type ContainerProcess } from './bundle.js';
import { containerPaths, DEFAULT_ROOT, parseSignal, readState, validId } from './container-state.js';
import { isAlive } from '../host/host-processes.js';
import { request } from '../supervisor/client.js';
import { parseArgs, type Parsed } from './args.js';
import { relayExec } from './exec-client.js';
import { openLog, type RuntimeLog } from './runtime-log.js';

const VERSION = 'strata-runtime version 0.1.0\nspec: 1.0.2';

function here(name: string): string {
  return fileURLToPath(new URL(`./${name}.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
}

function nodeArgv(script: string): string[] {
  return script.endsWith('.ts') ? [process.execPath, '--import', 'tsx', script] : [process.execPath, script];
}

/** One request to a container's shim: the supervisors' one-line protocol, the same reply shape. */
async function ask<T = unknown>(root: string, id: string, req: { op: string; [k: string]: unknown }): Promise<T> {
  return request<T>(containerPaths(root, id).socket, req).catch((err: NodeJS.ErrnoException) => {
    // a refusal is the shim's own words; a socket error means nobody is there
    throw err.code ? new Error(`container ${id}: its shim does not answer (${err.message})`) : err;
  });
}

async function create(root: string, a: Parsed, log: RuntimeLog): Promise<number> {
  const id = validId(a.positional[0]);
  const bundle = resolve(a.flag('bundle', 'b') ?? '.');
  const paths = containerPaths(root, id);
  if (existsSync(paths.state)) throw new Error(`container with id exists: ${id}`);
  const configFile = `${bundle}/config.json`;
  if (!existsSync(configFile)) throw new Error(`bundle ${bundle}: no config.json`);
  const isDir = (p: string) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  const plan = planBundle(readFileSync(configFile, 'utf8'), bundle, isDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writeFileSync(paths.plan, JSON.stringify({ plan, bundle, logFile: a.global.log, logFormat: a.global.logFormat }), { mode: 0o600 });
  const consoleSocket = a.flag('console-socket');
  let argv = nodeArgv(here('shim'));
  // a terminal: the helper makes a pty, hands its master to the console socket, and runs the shim on the slave
  if (consoleSocket && plan.process.terminal) argv = ['python3', assetPath('oci-runtime', 'console-helper.py'), consoleSocket, ...argv];
  argv.push(root, id);
  const shim = spawn(argv[0], argv.slice(1), { stdio: ['inherit', 'inherit', 'inherit', 'pipe'], detached: true });
  const answer = await new Promise<string>((res) => {
    let text = '';
    shim.stdio[3]!.on('data', (d: Buffer) => (text += d.toString()));
    shim.stdio[3]!.on('end', () => res(text.trim()));
    shim.on('error', (e) => res(`error ${e.message}`));
  });
  if (answer !== 'ready') {
    for (const d of [paths.dir, paths.sandboxes]) rmSync(d, { recursive: true, force: true });
    throw new Error(answer.replace(/^error /, '') || `the shim exited before the container was created`);
  }
  const pidFile = a.flag('pid-file');
  if (pidFile) writeFileSync(pidFile, String(shim.pid));
  shim.unref();
  log.info(`created ${id} (${plan.runtime}) from ${bundle}`);
  return 0;
}

async function remove(root: string, id: string, force: boolean): Promise<number> {
  const paths = containerPaths(root, id);
  if (!existsSync(paths.state)) {
    if (force) return 0;
    throw new Error(`container does not exist: ${id}`);
  }
  const st = readState(root, id);
  if (st.status !== 'stopped') {
    if (!force) throw new Error(`cannot delete container ${id} that is not stopped: ${st.status}`);
    await ask(root, id, { op: 'kill', signal: 'SIGKILL' }).catch(() => undefined);
    for (let i = 0; i < 100 && isAlive(st.pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (isAlive(st.pid)) process.kill(st.pid, 'SIGKILL');
  }
  // whatever a killed shim left (its sandbox under its supervisor) is released here
  const manager = await SandboxManager.open({ stateDir: paths.sandboxes, supervised: true, log: { info: () => {}, warn: () => {} } });
  await manager.destroyAll();
  for (const d of [paths.dir, paths.sandboxes]) rmSync(d, { recursive: true, force: true });
  return 0;
}

async function exec(root: string, a: Parsed): Promise<number> {
  const id = validId(a.positional[0]);
  const st = readState(root, id);
  if (st.status !== 'running' && st.status !== 'created') throw new Error(`cannot exec in a ${st.status} container`);
  const file = a.flag('process', 'p');
  let proc: ContainerProcess;
  if (file) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as { args?: string[]; env?: string[]; cwd?: string; terminal?: boolean; consoleSize?: { height: number; width: number } };
    if (!Array.isArray(p.args) || p.args.length === 0) throw new Error(`process ${file}: args must name a command`);
    proc = {
      args: p.args,
      env: parseEnvList(p.env ?? []),
      cwd: p.cwd ?? '/',
      terminal: p.terminal === true,
      consoleSize: p.consoleSize ? { rows: p.consoleSize.height, cols: p.consoleSize.width } : undefined,
    };
  } else {
    if (a.positional.length < 2) throw new Error('exec: name a command (or --process)');
    proc = { args: a.positional.slice(1), env: parseEnvList(a.all('env', 'e')), cwd: a.flag('cwd') ?? '/', terminal: a.bool('tty', 't') };
  }
  const detach = a.bool('detach', 'd');
  const pidFile = a.flag('pid-file');
  if (!detach && !pidFile && !(proc.terminal && a.flag('console-socket'))) return relayExec(containerPaths(root, id).socket, proc);
  // detached (conmon's way): a child relays the exec and exits with its status; conmon waits for its pid
  const processFile = `${containerPaths(root, id).dir}/exec-${process.pid}-${Date.now()}.json`;
  writeFileSync(processFile, JSON.stringify(proc), { mode: 0o600 });
  let argv = [...nodeArgv(here('main')), '--root', root, '__exec-child', id, processFile];
  const consoleSocket = a.flag('console-socket');
  if (consoleSocket && proc.terminal) argv = ['python3', assetPath('oci-runtime', 'console-helper.py'), consoleSocket, ...argv];
  const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', detached: detach });
  if (pidFile) writeFileSync(pidFile, String(child.pid));
  if (detach) {
    child.unref();
    return 0;
  }
  return new Promise((res) => child.on('exit', (code, sig) => res(code ?? (sig ? 128 + 9 : 1))));
}

async function run(argv: string[]): Promise<number> {
  const a = parseArgs(argv);
  const root = a.global.root ?? DEFAULT_ROOT;
  const log = openLog(a.global.log, a.global.logFormat);
  try {
    switch (a.command) {
      case undefined:
        if (a.global.version) {
          process.stdout.write(VERSION + '\n');
          return 0;
        }
        throw new Error('usage: strata-runtime [--root DIR] [--log FILE] [--log-format text|json] create|start|state|kill|delete|exec|ps|features|list ...');
      case 'create':
        return await create(root, a, log);
      case 'start': {
        const id = validId(a.positional[0]);
        readState(root, id);
        await ask(root, id, { op: 'start' });
        return 0;
      }
      case 'run': {
        const id = validId(a.positional[0]);
        await create(root, a, log);
        await ask(root, id, { op: 'start' });
        const st = readState(root, id);
        while (isAlive(st.pid)) await new Promise((r) => setTimeout(r, 100));
        const code = readState(root, id).exitCode ?? 0;
        await remove(root, id, true);
        return code;
      }
      case 'state': {
        const st = readState(root, validId(a.positional[0]));
        const { exitCode: _exit, ...spec } = st;
        process.stdout.write(JSON.stringify({ ...spec, pid: st.status === 'stopped' ? 0 : st.pid }, null, 2) + '\n');
        return 0;
      }
      case 'kill': {
        const id = validId(a.positional[0]);
        const st = readState(root, id);
        const signal = parseSignal(a.positional[1]);
        if (st.status === 'stopped') throw new Error('container not running');
        await ask(root, id, { op: 'kill', signal });
        return 0;
      }
      case 'delete':
        return await remove(root, validId(a.positional[0]), a.bool('force', 'f'));
      case 'exec':
        return await exec(root, a);
      case '__exec-child': {
        const [id, file] = a.positional;
        const proc = JSON.parse(readFileSync(file, 'utf8')) as ContainerProcess;
        rmSync(file, { force: true });
        return await relayExec(containerPaths(root, id).socket, proc);
      }
      case 'ps': {
        const id = validId(a.positional[0]);
        const pids = await ask<number[]>(root, id, { op: 'ps' });
        const format = a.flag('format', 'f') ?? 'table';
        process.stdout.write(format === 'json' ? JSON.stringify(pids) + '\n' : ['PID', ...pids.map(String)].join('\n') + '\n');
        return 0;
      }
      case 'list': {
        const ids = existsSync(root) ? readdirSync(root).filter((d) => existsSync(containerPaths(root, d).state)) : [];
        const states = ids.map((d) => readState(root, d));
        if (a.flag('format', 'f') === 'json') process.stdout.write(JSON.stringify(states) + '\n');
        else if (a.bool('quiet', 'q')) process.stdout.write(states.map((s) => s.id + '\n').join(''));
        else process.stdout.write(['ID PID STATUS BUNDLE', ...states.map((s) => `${s.id} ${s.pid} ${s.status} ${s.bundle}`)].join('\n') + '\n');
        return 0;
      }
      case 'features':
        process.stdout.write(
          JSON.stringify(
            {
              ociVersionMin: '1.0.0',
              ociVersionMax: '1.0.2',
              hooks: [],
              mountOptions: ['bind', 'rbind', 'ro', 'rw'],
              linux: { namespaces: ['mount', 'network', 'pid', 'uts', 'ipc'] },
              annotations: { [RUNTIME_ANNOTATION]: OCI_RUNTIMES.join('|'), 'io.strata.runtime.default': 'vm' },
            },
            null,
            2,
          ) + '\n',
        );
        return 0;
      default:
        throw new Error(`unknown command ${JSON.stringify(a.command)}`);
    }
  } catch (err) {
    const msg = (err as Error).message;
    log.error(msg);
    if (a.global.log) process.stderr.write(`strata-runtime: ${msg}\n`);
    return 1;
  }
}

process.exitCode = await run(process.argv.slice(2));
