/**
 * iPXE scripts, after Ironic's `boot.ipxe` and `ipxe_config.template`.
 *
 * Two kinds: the chain script every PXE client gets from DHCP (it tries each
 * NIC's per-MAC script in turn), and a node's own script, written when the
 * conductor prepares a boot and served only for that node's MACs. Pure
 * functions: the inputs are checked here because the iPXE language has no
 * quoting (a newline is a new command, `${…}` an expansion).
 */
import { InvalidInputError } from '../../core/index.js';
import { checkKernelArg } from './kernel-params.js';

/** An http(s) or tftp URL, normalised, safe to place in a script. */
export function checkBootUrl(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidInputError(`${where}: expected a URL`, { where });
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new InvalidInputError(`${where}: ${JSON.stringify(value)} is not a URL`, { where });
  }
  if (!['http:', 'https:', 'tftp:'].includes(url.protocol)) {
    throw new InvalidInputError(`${where}: ${JSON.stringify(value)} must be an http://, https:// or tftp:// URL (iPXE fetches it)`, { where });
  }
  const href = url.href;
  if (/[\s"'`]/.test(href) || href.includes('${')) throw new InvalidInputError(`${where}: ${JSON.stringify(value)} contains characters iPXE cannot take`, { where });
  return href;
}

export interface ChainScriptOptions {
  /** Prefix the per-MAC script URL is built from: `<prefix><mac:hexhyp>`. */
  perMacUrlPrefix: string;
}

/**
 * The script DHCP hands to iPXE: try the per-MAC script of each NIC in turn
 * (the NIC iPXE booted from first), and reboot after a pause when none has one.
 */
export function renderChainScript(opts: ChainScriptOptions): string {
  const prefix = checkBootUrl(opts.perMacUrlPrefix, 'perMacUrlPrefix');
  return [
    '#!ipxe',
    '# Strata: find this machine\'s boot script by the MAC of one of its NICs.',
    `chain ${prefix}\${mac:hexhyp} || goto next_nic`,
    ':next_nic',
    'set netid:int32 -1',
    ':loop',
    'inc netid',
    'isset ${net${netid}/mac} || goto none',
    'echo Trying the boot script of ${net${netid}/mac:hexhyp}',
    `chain ${prefix}\${net\${netid}/mac:hexhyp} || goto loop`,
    'exit 0',
    ':none',
    'echo No boot script is prepared for any NIC of this machine.',
    'echo Rebooting in 60 seconds.',
    'sleep 60',
    'reboot',
    '',
  ].join('\n');
}

export type NodeBootMode = 'deploy' | 'ramdisk' | 'local';

export interface NodeScriptOptions {
  /** Who this script is for; written as a comment. */
  nodeUuid: string;
  /**
   * `deploy`: the deploy (agent) ramdisk; `ramdisk`: an instance that is a
   * kernel and ramdisk (ramdisk deploy); `local`: boot the first disk.
   */
  mode: NodeBootMode;
  kernelUrl?: string;
  ramdiskUrl?: string;
  /** Kernel arguments, each already one word (see kernel-params.ts). */
  kernelArgs?: string[];
  /** Per-download timeout in ms (iPXE's `--timeout`); 0 or absent for iPXE's default. */
  timeoutMs?: number;
  /** How many times to retry a failed download before powering off. */
  attempts?: number;
}

/** A node's own script: fetch kernel and ramdisk with retries, then boot; or boot the local disk. */
export function renderNodeScript(opts: NodeScriptOptions): string {
  const comment = `# Strata: boot script of node ${checkKernelArg(opts.nodeUuid, 'nodeUuid')} (${opts.mode})`;
  if (opts.mode === 'local') {
    return ['#!ipxe', comment, 'sanboot --no-describe --drive 0x80 || exit 0', ''].join('\n');
  }
  const kernel = checkBootUrl(opts.kernelUrl, 'kernel URL');
  const ramdisk = checkBootUrl(opts.ramdiskUrl, 'ramdisk URL');
  const args = (opts.kernelArgs ?? []).map((a, i) => checkKernelArg(a, `kernel argument ${i}`));
  const timeout = opts.timeoutMs && opts.timeoutMs > 0 ? `--timeout ${Math.round(opts.timeoutMs)} ` : '';
  const attempts = Math.max(1, Math.floor(opts.attempts ?? 10));
  // The initrd's name is what the kernel's initrd= argument refers to (EFI stub boots need it).
  const initrdName = opts.mode === 'deploy' ? 'deploy_ramdisk' : 'ramdisk';
  const modeArgs = opts.mode === 'deploy' ? ['BOOTIF=${mac}'] : ['root=/dev/ram0'];
  return [
    '#!ipxe',
    comment,
    `set attempts:int32 ${attempts}`,
    'set i:int32 0',
    ':boot',
    'imgfree',
    `kernel ${timeout}${kernel} ${[...args, ...modeArgs, `initrd=${initrdName}`].join(' ')} || goto retry`,
    `initrd ${timeout}--name ${initrdName} ${ramdisk} || goto retry`,
    'boot || goto retry',
    ':retry',
    'iseq ${i} ${attempts} && goto fail ||',
    'inc i',
    'echo No response, retrying in ${i} seconds.',
    'sleep ${i}',
    'goto boot',
    ':fail',
    'echo Failed to get a response after ${attempts} attempts.',
    'echo Powering off in 30 seconds.',
    'sleep 30',
    'poweroff',
    '',
  ].join('\n');
}
