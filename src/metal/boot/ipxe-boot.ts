/**
 * The `ipxe` boot interface (Ironic's iPXEBoot over PXEBaseMixin): prepares
 * a node's iPXE script in the HTTP boot store and points the node's next
 * boot at the network. The chain script DHCP hands out finds the script by
 * MAC (routes.ts).
 *
 * - deploy/cleaning/inspection/rescue: the deploy (agent) ramdisk from
 *   driver_info deploy_kernel/deploy_ramdisk (rescue_* while rescuing), with
 *   the kernel parameters the conductor passes (ipa-api-url, …);
 * - the instance: for the `ramdisk` deploy interface, the instance's own
 *   kernel and ramdisk from instance_info (booted over the network every
 *   time, so the boot device is set to pxe persistently); otherwise the
 *   local disk.
 */
import { InvalidInputError } from '../../core/index.js';
import { DriverError, nodeLabel, type BootInterface, type ComposedDriver, type DriverNode, type PropertySpec } from '../drivers/index.js';
import { STATE_INFO } from '../states/index.js';
import { renderNodeScript, checkBootUrl, type NodeBootMode } from './ipxe-script.js';
import { kernelArgsFromMap, splitKernelArgs } from './kernel-params.js';
import type { HttpBootStore } from './http-boot-store.js';

/** Ironic's [pxe]kernel_append_params default, plus a serial console (the last console= is /dev/console). */
export const DEFAULT_KERNEL_APPEND_PARAMS = 'nofb nomodeset vga=normal console=tty0 console=ttyS0,115200n8';

export const IPXE_PROPERTIES: Record<string, PropertySpec> = {
  deploy_kernel: { description: 'URL of the deploy kernel (http, https or tftp; iPXE fetches it). Required.', required: true },
  deploy_ramdisk: { description: 'URL of the deploy ramdisk (initramfs) that runs the agent. Required.', required: true },
  rescue_kernel: { description: 'URL of the rescue kernel. Required for rescue.', required: false },
  rescue_ramdisk: { description: 'URL of the rescue ramdisk. Required for rescue.', required: false },
  kernel_append_params: { description: `Extra kernel parameters for the ramdisks, space separated. Optional; default "${DEFAULT_KERNEL_APPEND_PARAMS}".`, required: false },
};

export interface IpxeBootOptions {
  store: HttpBootStore;
  /** The node's composed driver (management to set the boot device, deploy to pick the instance boot). */
  driverFor(node: DriverNode): ComposedDriver;
  /** The Ironic-compatible API as nodes reach it (`…/baremetal`): ipa-api-url for ramdisk instances. */
  apiUrl(): string;
  kernelAppendParams?: string;
  /** Per-download timeout iPXE applies (ms). */
  downloadTimeoutMs?: number;
}

/** A boot interface that can boot an instance ramdisk (Ironic's `ramdisk_boot` capability). */
export interface RamdiskCapableBoot extends BootInterface {
  readonly capabilities: readonly string[];
}

export function createIpxeBoot(opts: IpxeBootOptions): RamdiskCapableBoot {
  const appendParams = (node: DriverNode) => {
    const own = node.driver_info.kernel_append_params;
    return splitKernelArgs(own === undefined || own === null || own === '' ? (opts.kernelAppendParams ?? DEFAULT_KERNEL_APPEND_PARAMS) : own, `node ${nodeLabel(node)} driver_info/kernel_append_params`);
  };

  const url = (node: DriverNode, where: 'driver_info' | 'instance_info', key: string, required: boolean): string | undefined => {
    const bag = (where === 'driver_info' ? node.driver_info : node.instance_info) ?? {};
    const v = bag[key];
    if (v === undefined || v === null || v === '') {
      if (!required) return undefined;
      throw new DriverError('missing-parameter', `Missing the following ${where} properties on node ${nodeLabel(node)}: ${key}`, { details: { keys: [key] } });
    }
    try {
      return checkBootUrl(v, `node ${nodeLabel(node)} ${where}/${key}`);
    } catch (err) {
      throw new DriverError('invalid-parameter', (err as Error).message, { details: { key } });
    }
  };

  /** Which ramdisk the agent boot uses: rescue while rescuing, else deploy. */
  const ramdiskKind = (node: DriverNode) => (node.provision_state && STATE_INFO[node.provision_state].rescueRamdisk ? 'rescue' : 'deploy');

  /** How the deployed instance boots: `ramdisk` for the ramdisk deploy interface, else the local disk. */
  const instanceBoot = (node: DriverNode): NodeBootMode => (opts.driverFor(node).deploy.name === 'ramdisk' ? 'ramdisk' : 'local');

  const write = (node: DriverNode, mode: NodeBootMode, kernelUrl?: string, ramdiskUrl?: string, kernelArgs: string[] = []) => {
    const script = renderNodeScript({ nodeUuid: node.uuid, mode, kernelUrl, ramdiskUrl, kernelArgs, timeoutMs: opts.downloadTimeoutMs });
    opts.store.write(node.uuid, script);
  };

  const asDriverError = (err: unknown): never => {
    if (err instanceof InvalidInputError) throw new DriverError('invalid-parameter', err.message);
    throw err;
  };

  const boot: RamdiskCapableBoot = {
    kind: 'boot',
    name: 'ipxe',
    capabilities: ['ramdisk_boot'],
    properties: () => IPXE_PROPERTIES,
    validate(ctx) {
      const node = ctx.node;
      url(node, 'driver_info', 'deploy_kernel', true);
      url(node, 'driver_info', 'deploy_ramdisk', true);
      url(node, 'driver_info', 'rescue_kernel', false);
      url(node, 'driver_info', 'rescue_ramdisk', false);
      try {
        appendParams(node);
      } catch (err) {
        asDriverError(err);
      }
    },
    async prepareRamdisk(ctx, params) {
      const node = ctx.node;
      const kind = ramdiskKind(node);
      const kernel = url(node, 'driver_info', `${kind}_kernel`, true);
      const ramdisk = url(node, 'driver_info', `${kind}_ramdisk`, true);
      let args: string[] = [];
      try {
        args = [...appendParams(node), ...kernelArgsFromMap(params, `node ${nodeLabel(node)} ramdisk parameters`)];
      } catch (err) {
        asDriverError(err);
      }
      write(node, 'deploy', kernel, ramdisk, args);
      await opts.driverFor(node).management.setBootDevice(ctx, 'pxe', false);
      ctx.log?.info('prepared the agent ramdisk boot', { node: node.uuid, ramdisk: kind });
    },
    async cleanUpRamdisk(ctx) {
      opts.store.remove(ctx.node.uuid);
    },
    async prepareInstance(ctx) {
      const node = ctx.node;
      const mode = instanceBoot(node);
      if (mode === 'local') {
        opts.store.remove(node.uuid);
        await opts.driverFor(node).management.setBootDevice(ctx, 'disk', true);
        return;
      }
      const kernel = url(node, 'instance_info', 'kernel', true);
      const ramdisk = url(node, 'instance_info', 'ramdisk', true);
      let args: string[] = [];
      try {
        args = [
          ...appendParams(node),
          ...splitKernelArgs(node.instance_info?.ramdisk_kernel_arguments, `node ${nodeLabel(node)} instance_info/ramdisk_kernel_arguments`),
          // Strata's ramdisk deploy waits for the instance's agent to call back.
          ...kernelArgsFromMap({ 'ipa-api-url': opts.apiUrl() }, `node ${nodeLabel(node)} ramdisk parameters`),
        ];
      } catch (err) {
        asDriverError(err);
      }
      write(node, 'ramdisk', kernel, ramdisk, args);
      // The instance lives in RAM: every boot is a network boot.
      await opts.driverFor(node).management.setBootDevice(ctx, 'pxe', true);
      ctx.log?.info('prepared the instance ramdisk boot', { node: node.uuid });
    },
    async cleanUpInstance(ctx) {
      opts.store.remove(ctx.node.uuid);
    },
  };
  return boot;
}

export function isRamdiskCapable(boot: BootInterface): boolean {
  if (boot.name === 'fake') return true;
  const caps = (boot as Partial<RamdiskCapableBoot>).capabilities;
  return Array.isArray(caps) && caps.includes('ramdisk_boot');
}
