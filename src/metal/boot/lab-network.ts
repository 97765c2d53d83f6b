/**
 * A provisioning network in a network namespace, for tests and labs: a
 * bridge inside the namespace with tap devices for emulated machines, and a
 * veth pair whose host end sits on the same layer-2 segment, so a Strata
 * server listening on the host end is reachable from the machines (and the
 * BMC's QEMU processes, run inside the namespace, attach to the taps).
 *
 *   host: <hostIf> 10.A.B.1/24  ──veth──  netns: br0 10.A.B.2/24 (dnsmasq) ── tap-…
 *
 * Every command is an argv array; destroy() removes the namespace, which
 * takes the veth pair and the taps with it.
 */
import { randomBytes } from 'node:crypto';
import { run, runOk } from '../../core/host/index.js';

export interface LabNetwork {
  netns: string;
  /** The host end of the veth pair. */
  hostIf: string;
  /** The host's address on the provisioning network: listen here. */
  hostAddress: string;
  /** The bridge inside the namespace and its address (dnsmasq binds there). */
  bridge: string;
  bridgeAddress: string;
  /** An IPv6 prefix on the bridge, for router advertisements (iPXE waits ~15 s without one). */
  ipv6Prefix: string;
  /** A DHCP range on the subnet. */
  range: { start: string; end: string };
  taps: string[];
  destroy(): Promise<void>;
}

export interface LabNetworkOptions {
  /** Tap devices to create on the bridge (names of at most 15 characters). */
  taps?: string[];
}

async function freeSubnet(): Promise<string> {
  const used = (await run(['ip', '-4', 'addr'])).stdout + (await run(['ip', '-4', 'route'])).stdout;
  for (let i = 0; i < 50; i++) {
    const [a, b] = randomBytes(2);
    const net = `10.${200 + (a! % 50)}.${b}`;
    if (!used.includes(`${net}.`)) return net;
  }
  throw new Error('no free 10.x.y.0/24 subnet found for a lab network');
}

export async function createLabNetwork(opts: LabNetworkOptions = {}): Promise<LabNetwork> {
  const id = randomBytes(3).toString('hex');
  const netns = `strata-lab-${id}`;
  const hostIf = `sl${id}h`;
  const nsIf = `sl${id}n`;
  const net = await freeSubnet();
  const v6 = `fd53:${id.slice(0, 4)}:${id.slice(4)}::`;
  const taps = opts.taps ?? [];
  for (const t of taps) if (!/^[A-Za-z0-9_.-]{1,15}$/.test(t)) throw new Error(`tap name ${JSON.stringify(t)} is not a valid interface name`);
  const ns = (...args: string[]) => runOk(['ip', '-n', netns, ...args]);
  const destroy = async () => {
    await run(['ip', 'netns', 'del', netns]);
    await run(['ip', 'link', 'del', hostIf]);
  };
  try {
    await runOk(['ip', 'netns', 'add', netns]);
    await runOk(['ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    await runOk(['ip', 'link', 'set', nsIf, 'netns', netns]);
    await runOk(['ip', 'addr', 'add', `${net}.1/24`, 'dev', hostIf]);
    await runOk(['ip', 'link', 'set', hostIf, 'up']);
    await ns('link', 'set', 'lo', 'up');
    // No STP and no forwarding delay: ports forward as soon as they are up.
    await ns('link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    await ns('addr', 'add', `${net}.2/24`, 'dev', 'br0');
    await ns('-6', 'addr', 'add', `${v6}2/64`, 'dev', 'br0', 'nodad');
    await ns('link', 'set', 'br0', 'up');
    await ns('link', 'set', nsIf, 'master', 'br0');
    await ns('link', 'set', nsIf, 'up');
    for (const t of taps) {
      await ns('tuntap', 'add', 'dev', t, 'mode', 'tap');
      await ns('link', 'set', t, 'master', 'br0');
      await ns('link', 'set', t, 'up');
    }
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    netns,
    hostIf,
    hostAddress: `${net}.1`,
    bridge: 'br0',
    bridgeAddress: `${net}.2`,
    ipv6Prefix: v6,
    range: { start: `${net}.100`, end: `${net}.199` },
    taps,
    destroy,
  };
}
