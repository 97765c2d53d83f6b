/**
 * `strata boot …`: network boot from the command line. Boot images on the
 * server (list, upload, delete), Strata's deploy ramdisk (build, and upload
 * it so driver_info can point at it), and a dnsmasq configuration for a
 * provisioning network. Heavy code loads inside the actions.
 */
import type { Command } from 'commander';
import { action, table, type CliContext } from '../../core/cli/index.js';

interface ImageInfo {
  name: string;
  size: number;
  updated_at: number;
}

async function upload(ctx: CliContext, file: string, name: string): Promise<ImageInfo> {
  const { createReadStream, statSync } = await import('node:fs');
  const { Readable } = await import('node:stream');
  const size = statSync(file).size;
  const res = await ctx.client().fetch('PUT', `/baremetal/boot/images/${encodeURIComponent(name)}`, {
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    stream: Readable.toWeb(createReadStream(file)) as unknown as ReadableStream,
  });
  return (await res.json()) as ImageInfo;
}

export function register(program: Command): void {
  const boot = program.command('boot').description('network boot: boot images served by Strata, the deploy ramdisk, dnsmasq configuration');

  boot
    .command('images')
    .description('list the kernels and ramdisks the server serves at /baremetal/boot/images/')
    .action(
      action(async (ctx) => {
        const { images } = await ctx.client().get<{ images: ImageInfo[] }>('/baremetal/boot/images');
        ctx.out(images, (list: ImageInfo[]) => table(['NAME', 'SIZE', 'UPDATED'], list.map((i) => [i.name, String(i.size), new Date(i.updated_at).toISOString()])));
      }),
    );

  boot
    .command('upload <file>')
    .description('upload a kernel or ramdisk (admin); it is then served at /baremetal/boot/images/<name>')
    .option('--name <name>', 'name to serve it under (default: the file name)')
    .action(
      action(async (ctx, file: string, opts: { name?: string }) => {
        const { basename } = await import('node:path');
        const info = await upload(ctx, file, opts.name ?? basename(file));
        ctx.out(info, (i: ImageInfo) => `${i.name}: ${i.size} bytes`);
      }),
    );

  boot
    .command('delete <name>')
    .description('stop serving a boot image (admin)')
    .action(
      action(async (ctx, name: string) => {
        await ctx.client().delete(`/baremetal/boot/images/${encodeURIComponent(name)}`);
      }),
    );

  boot
    .command('ramdisk')
    .description("build Strata's deploy ramdisk (Debian kernel via apt-get download, busybox-static, the agent), cached by content")
    .option('--upload', 'upload kernel and ramdisk to the server and print the driver_info to use')
    .option('--kernel-deb <file>', 'use this linux-image .deb instead of downloading one')
    .option('--cache <dir>', 'cache directory (default $STRATA_METAL_CACHE or <package>/.cache/metal)')
    .action(
      action(async (ctx, opts: { upload?: boolean; kernelDeb?: string; cache?: string }) => {
        const { buildDeployRamdisk, deployImageNames } = await import('./ramdisk/build.js');
        const built = await buildDeployRamdisk({ cacheDir: opts.cache, kernelDeb: opts.kernelDeb, log: (m) => ctx.info(m) });
        const out: Record<string, unknown> = { key: built.key, kernel: built.kernel, initramfs: built.initramfs, kernel_release: built.kernelRelease, agent_version: built.agentVersion };
        if (opts.upload) {
          const names = deployImageNames(built);
          await upload(ctx, built.kernel, names.kernel);
          await upload(ctx, built.initramfs, names.ramdisk);
          const base = ctx.client().url('/baremetal/boot/images/');
          out.driver_info = { deploy_kernel: base + names.kernel, deploy_ramdisk: base + names.ramdisk };
        }
        ctx.out(out, (o: typeof out) =>
          [`deploy ramdisk ${o.key} (kernel ${o.kernel_release}, agent ${o.agent_version})`, `  kernel:    ${o.kernel}`, `  initramfs: ${o.initramfs}`, ...(o.driver_info ? [`  driver_info: ${JSON.stringify(o.driver_info)}`] : [])].join('\n'),
        );
      }),
    );

  boot
    .command('dnsmasq-config')
    .description('print a dnsmasq configuration for DHCP (and TFTP) on a provisioning network')
    .requiredOption('--interface <name>', 'the provisioning interface')
    .requiredOption('--range <start,end>', 'IPv4 addresses to hand out')
    .option('--boot-url <url>', "the chain script iPXE loads (default: the server's /baremetal/boot/boot.ipxe)")
    .option('--router <ip>', 'default gateway to announce')
    .option('--tftp-root <dir>', 'serve undionly.kpxe / ipxe.efi from here to PXE ROMs that are not iPXE')
    .option('--ipv6-ra-prefix <prefix>', 'announce this IPv6 prefix: iPXE then stops waiting for an IPv6 router')
    .option('--lease-file <file>', 'dnsmasq lease file', '/var/lib/misc/strata-dnsmasq.leases')
    .action(
      action(async (ctx, o: { interface: string; range: string; bootUrl?: string; router?: string; tftpRoot?: string; ipv6RaPrefix?: string; leaseFile: string }) => {
        const { renderDnsmasqConfig } = await import('./dnsmasq-config.js');
        const [start, end] = o.range.split(',').map((s) => s.trim());
        const text = renderDnsmasqConfig({
          interface: o.interface,
          range: { start: start ?? '', end: end ?? '' },
          bootScriptUrl: o.bootUrl ?? ctx.client().url('/baremetal/boot/boot.ipxe'),
          router: o.router,
          tftpRoot: o.tftpRoot,
          ipv6RaPrefix: o.ipv6RaPrefix,
          leaseFile: o.leaseFile,
        });
        ctx.out({ config: text }, (d: { config: string }) => d.config);
      }),
    );
}
