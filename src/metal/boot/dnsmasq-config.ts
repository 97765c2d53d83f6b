/**
 * dnsmasq as the provisioning network's DHCP (and optionally TFTP) server,
 * the way Ironic's standalone guides set it up: plain PXE ROMs get an iPXE
 * binary over TFTP, iPXE (DHCP option 175, or QEMU's built-in iPXE ROM) gets
 * the HTTP URL of Strata's chain script. Pure rendering; dnsmasq.ts runs it.
 */
import { isIP } from 'node:net';
import { InvalidInputError } from '../../core/index.js';
import { checkBootUrl } from './ipxe-script.js';

export interface DnsmasqOptions {
  /** The provisioning interface dnsmasq binds to (e.g. a bridge). */
  interface: string;
  /** IPv4 range handed out. */
  range: { start: string; end: string; netmask?: string; leaseTime?: string };
  /** Default gateway (option 3); omit to send none. */
  router?: string;
  /** What iPXE clients chain-load: Strata's chain script, `…/baremetal/boot/boot.ipxe`. */
  bootScriptUrl: string;
  /**
   * Serve TFTP from this directory, so PXE ROMs that are not iPXE can load
   * iPXE first (`undionly.kpxe` for BIOS, `ipxe.efi` for UEFI, from Debian's
   * `ipxe` package). Omit where every client runs iPXE already.
   */
  tftpRoot?: string;
  biosBootFile?: string;
  uefiBootFile?: string;
  /**
   * An IPv6 prefix (e.g. `fd00:99::`) to announce in router advertisements.
   * iPXE configures IPv4 and IPv6 together and, on a link with no IPv6
   * router, waits about 15 s for an advertisement before it goes on; one RA
   * ends the wait. The interface needs an address in this prefix.
   */
  ipv6RaPrefix?: string;
  leaseFile: string;
  pidFile?: string;
  /** `-` (stderr) by default. */
  logFile?: string;
  /** Log every DHCP exchange (dnsmasq's log-dhcp). */
  logDhcp?: boolean;
}

const IFNAME = /^[A-Za-z0-9_.:-]{1,15}$/;
const LEASE = /^(\d+[smhdw]?|infinite)$/;
const PATH = /^\/[^\n\r\0]*$/;
const FILE = /^[A-Za-z0-9._/-]+$/;

function ipv4(value: string | undefined, what: string): string {
  if (!value || isIP(value) !== 4) throw new InvalidInputError(`dnsmasq ${what}: ${JSON.stringify(value)} is not an IPv4 address`);
  return value;
}

function path(value: string, what: string): string {
  if (!PATH.test(value) || value.includes(',')) throw new InvalidInputError(`dnsmasq ${what}: ${JSON.stringify(value)} must be an absolute path without commas or newlines`);
  return value;
}

export function renderDnsmasqConfig(o: DnsmasqOptions): string {
  if (!IFNAME.test(o.interface)) throw new InvalidInputError(`dnsmasq interface: ${JSON.stringify(o.interface)} is not an interface name`);
  const lease = o.range.leaseTime ?? '1h';
  if (!LEASE.test(lease)) throw new InvalidInputError(`dnsmasq lease time: ${JSON.stringify(lease)} is not a dnsmasq duration`);
  const bootUrl = checkBootUrl(o.bootScriptUrl, 'dnsmasq boot script URL');
  if (bootUrl.includes(',')) throw new InvalidInputError(`dnsmasq boot script URL: ${JSON.stringify(bootUrl)} must not contain a comma`);
  const lines = [
    '# Written by Strata (metal/boot): DHCP for the provisioning network.',
    // No DNS: this dnsmasq only does DHCP (and TFTP).
    'port=0',
    `interface=${o.interface}`,
    'bind-interfaces',
    'no-resolv',
    'no-hosts',
    `dhcp-range=${ipv4(o.range.start, 'range start')},${ipv4(o.range.end, 'range end')},${ipv4(o.range.netmask ?? '255.255.255.0', 'netmask')},${lease}`,
    'dhcp-authoritative',
    'dhcp-rapid-commit',
    `dhcp-leasefile=${path(o.leaseFile, 'lease file')}`,
  ];
  if (o.router) lines.push(`dhcp-option=option:router,${ipv4(o.router, 'router')}`);
  else lines.push('dhcp-option=option:router');
  // iPXE announces itself with option 175; it gets the HTTP chain script.
  lines.push('dhcp-match=set:ipxe,175', `dhcp-boot=tag:ipxe,${bootUrl}`);
  if (o.tftpRoot) {
    const bios = o.biosBootFile ?? 'undionly.kpxe';
    const uefi = o.uefiBootFile ?? 'ipxe.efi';
    for (const f of [bios, uefi]) if (!FILE.test(f)) throw new InvalidInputError(`dnsmasq boot file: ${JSON.stringify(f)} is not a plain file name`);
    lines.push(
      'enable-tftp',
      `tftp-root=${path(o.tftpRoot, 'TFTP root')}`,
      'tftp-secure',
      // Client system architecture (RFC 4578): 7 and 9 are x86-64 UEFI.
      'dhcp-match=set:efi64,option:client-arch,7',
      'dhcp-match=set:efi64,option:client-arch,9',
      `dhcp-boot=tag:!ipxe,tag:efi64,${uefi}`,
      `dhcp-boot=tag:!ipxe,tag:!efi64,${bios}`,
    );
  }
  if (o.ipv6RaPrefix) {
    if (isIP(o.ipv6RaPrefix) !== 6) throw new InvalidInputError(`dnsmasq IPv6 RA prefix: ${JSON.stringify(o.ipv6RaPrefix)} is not an IPv6 address`);
    lines.push('enable-ra', `dhcp-range=${o.ipv6RaPrefix},ra-only,64,${lease}`);
  }
  if (o.pidFile) lines.push(`pid-file=${path(o.pidFile, 'pid file')}`);
  lines.push(`log-facility=${o.logFile ? path(o.logFile, 'log file') : '-'}`);
  if (o.logDhcp) lines.push('log-dhcp');
  return lines.join('\n') + '\n';
}
