/**
 * Sandbox networking. Off (the default): the sandbox's own network namespace
 * holds only loopback. On: a named network namespace joined to the host by a
 * veth pair with a /30 from a private range (10.213.0.0/16 by default); the
 * host end is the sandbox's gateway, and a host listener on that address is
 * reachable from inside. No NAT: reaching further is the host's routing
 * decision. For a VM the namespace also holds a bridge and the tap QEMU uses.
 */
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { runOk } from '../../core/host/index.js';
import { SandboxError } from '../model/errors.js';

export interface NetworkPlan {
  /** /run/netns/<name> */
  netnsName: string;
  hostIf: string;
  /** the host end (the gateway) and the sandbox's address, both in a /30 */
  hostAddress: string;
  sandboxAddress: string;
  prefixLength: 30;
}

export interface SandboxNetwork extends NetworkPlan {
  netnsPath: string;
  /** VM only: the tap device inside the namespace */
  tap?: string;
  destroy(): Promise<void>;
}

const DEFAULT_BASE = '10.213.0.0';

/** The /30 with index i (0..16383) in base/16 (pure). */
export function subnetAddresses(base: string, index: number): { host: string; sandbox: string; network: string } {
  const [a, b] = base.split('.').map(Number);
  const third = index >> 6;
  const fourth = (index & 63) * 4;
  return { network: `${a}.${b}.${third}.${fourth}`, host: `${a}.${b}.${third}.${fourth + 1}`, sandbox: `${a}.${b}.${third}.${fourth + 2}` };
}

/** Indexes of /30s already used on this host within base/16 (pure over `ip -4 -o addr` output). */
export function usedSubnets(ipAddrOutput: string, base: string): Set<number> {
  const [a, b] = base.split('.').map(Number);
  const used = new Set<number>();
  for (const m of ipAddrOutput.matchAll(/inet (\d+)\.(\d+)\.(\d+)\.(\d+)\//g)) {
    if (Number(m[1]) !== a || Number(m[2]) !== b) continue;
    used.add(Number(m[3]) * 64 + (Number(m[4]) >> 2));
  }
  return used;
}

export function netnsNameFor(id: string): string {
  return `strata-${id}`;
}

export function hostIfFor(id: string): string {
  return `sbx${id.slice(0, 8)}h`; // IFNAMSIZ is 16 with the NUL
}

async function ip(...args: string[]): Promise<string> {
  return (await runOk(['ip', ...args], { timeoutMs: 10_000 })).stdout;
}

/** Creates the network namespace (and veth pair when `connected`). */
export async function createNetwork(id: string, opts: { connected: boolean; vm?: boolean; base?: string }): Promise<SandboxNetwork> {
  const base = opts.base ?? DEFAULT_BASE;
  const netnsName = netnsNameFor(id);
  const hostIf = hostIfFor(id);
  const netnsPath = `/run/netns/${netnsName}`;
  let index = -1;
  const net: SandboxNetwork = {
    netnsName,
    netnsPath,
    hostIf,
    hostAddress: '',
    sandboxAddress: '',
    prefixLength: 30,
    destroy: () => destroyNetwork(netnsName, hostIf),
  };
  try {
    await ip('netns', 'add', netnsName);
    await ip('-n', netnsName, 'link', 'set', 'lo', 'up');
    if (!opts.connected) return net;
    const used = usedSubnets(await ip('-4', '-o', 'addr', 'show'), base);
    for (let tries = 0; tries < 64 && index < 0; tries++) {
      const i = randomInt(1, 16384);
      if (!used.has(i)) index = i;
    }
    if (index < 0) throw new SandboxError('start_failed', `no free /30 left in ${base}/16 for sandbox ${id}`);
    const addr = subnetAddresses(base, index);
    net.hostAddress = addr.host;
    net.sandboxAddress = addr.sandbox;
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netnsName);
    await ip('addr', 'add', `${addr.host}/30`, 'dev', hostIf);
    await ip('link', 'set', hostIf, 'up');
    if (opts.vm) {
      // The guest owns the sandbox address; the namespace just bridges eth0 and the tap.
      net.tap = 'tap0';
      await ip('-n', netnsName, 'link', 'add', 'br0', 'type', 'bridge');
      await ip('-n', netnsName, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap');
      await ip('-n', netnsName, 'link', 'set', 'eth0', 'master', 'br0');
      await ip('-n', netnsName, 'link', 'set', 'tap0', 'master', 'br0');
      for (const dev of ['eth0', 'tap0', 'br0']) await ip('-n', netnsName, 'link', 'set', dev, 'up');
    } else {
      await ip('-n', netnsName, 'addr', 'add', `${addr.sandbox}/30`, 'dev', 'eth0');
      await ip('-n', netnsName, 'link', 'set', 'eth0', 'up');
      await ip('-n', netnsName, 'route', 'add', 'default', 'via', addr.host);
    }
    return net;
  } catch (err) {
    await destroyNetwork(netnsName, hostIf).catch(() => {});
    if (err instanceof SandboxError) throw err;
    throw new SandboxError('start_failed', `network for sandbox ${id}: ${(err as Error).message}`, { netns: netnsName });
  }
}

export async function destroyNetwork(netnsName: string, hostIf: string): Promise<void> {
  // Deleting the namespace destroys eth0, which takes the host end of the pair with it.
  if (existsSync(`/run/netns/${netnsName}`)) await ip('netns', 'del', netnsName);
  if (existsSync(`/sys/class/net/${hostIf}`)) await ip('link', 'del', hostIf).catch(() => {});
}
