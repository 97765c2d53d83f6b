/**
 * The chassis-control hook OpenIPMI's ipmi_sim calls (lan.conf
 * `chassis_control "SCRIPT 0x20"`): `SCRIPT 0x20 get power boot` prints
 * `power:1` and `boot:pxe`; `SCRIPT 0x20 set power 1 boot pxe` changes them.
 * It reads and writes the same machine records the Redfish service uses, so
 * an IPMI client and a Redfish client drive one machine.
 *
 * ipmi_sim's boot names: none, pxe, default (hard disk), cdrom, bios. IPMI has
 * no frequency in this protocol, so a boot device set here is continuous, as
 * virtualbmc and sushy-tools' libvirt backend treat it.
 */
import { IPMI_BOOT_TO_TARGET, TARGET_TO_IPMI_BOOT } from './machine.js';
import type { Machines } from './machines.js';

export interface HookResult {
  stdout: string;
  exitCode: number;
}

/** Runs one hook call: `args` is what ipmi_sim passes after the script (device, verb, parameters). */
export async function runIpmiHook(machines: Machines, system: string, args: readonly string[]): Promise<HookResult> {
  const [, verb, ...params] = args;
  const fail = (msg: string): HookResult => ({ stdout: `${msg}\n`, exitCode: 1 });
  const rec = await machines.get(system);
  if (!rec) return fail(`no system "${system}"`);
  if (verb === 'get') {
    const lines: string[] = [];
    for (const p of params) {
      if (p === 'power') lines.push(`power:${rec.power === 'On' ? 1 : 0}`);
      else if (p === 'boot') lines.push(`boot:${rec.boot.enabled === 'Disabled' ? 'none' : TARGET_TO_IPMI_BOOT[rec.boot.target]}`);
      else return fail(`invalid parameter: ${p}`);
    }
    return { stdout: lines.length ? lines.join('\n') + '\n' : '', exitCode: 0 };
  }
  if (verb === 'set') {
    if (params.length % 2) return fail(`set needs parameter/value pairs, got: ${params.join(' ')}`);
    for (let i = 0; i < params.length; i += 2) {
      const [p, v] = [params[i], params[i + 1]];
      switch (p) {
        case 'power':
          if (v !== '0' && v !== '1') return fail(`invalid power value: ${v}`);
          await machines.setPower(rec.id, v === '1');
          break;
        case 'reset':
          // A pulse on the reset line: only meaningful while on.
          if (v === '1') await machines.reset(rec.id, 'ForceRestart');
          break;
        case 'shutdown':
          if (v === '1') await machines.reset(rec.id, 'GracefulShutdown');
          break;
        case 'boot': {
          const target = IPMI_BOOT_TO_TARGET[v];
          if (!target) return fail(`invalid boot value: ${v}`);
          await machines.patchBoot(rec.id, { BootSourceOverrideTarget: target, BootSourceOverrideEnabled: target === 'None' ? 'Disabled' : 'Continuous' });
          break;
        }
        case 'identify':
          await machines.setIndicator(rec.id, v === '0' ? 'Off' : 'Blinking');
          break;
        default:
          return fail(`invalid parameter: ${p}`);
      }
    }
    return { stdout: '', exitCode: 0 };
  }
  return fail(`invalid operation: ${verb ?? '(none)'}; expected get or set`);
}
