/**
 * Kernel command lines built from operator input (driver_info
 * `kernel_append_params`, instance_info `ramdisk_kernel_arguments`) end up
 * inside an iPXE script. A newline there would be a new iPXE command, and
 * `${…}` an iPXE settings expansion, so every argument is checked here
 * rather than escaped: the iPXE script language has no quoting.
 */
import { InvalidInputError } from '../../core/index.js';

/** One kernel argument: printable ASCII, no spaces, no quotes, no iPXE expansion. */
const ARG = /^[\x21-\x7e]+$/;

export function checkKernelArg(arg: string, where: string): string {
  if (!ARG.test(arg) || arg.includes('${') || arg.includes('"') || arg.includes("'")) {
    throw new InvalidInputError(`${where}: kernel argument ${JSON.stringify(arg)} must be printable ASCII without spaces, quotes or "\${"`, { where });
  }
  return arg;
}

/** Splits a space-separated parameter string and checks each argument. */
export function splitKernelArgs(value: unknown, where: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value !== 'string') throw new InvalidInputError(`${where}: expected a string of kernel arguments, got ${typeof value}`, { where });
  return value
    .split(/[ \t]+/)
    .filter(Boolean)
    .map((a) => checkKernelArg(a, where));
}

/** `{key: value}` → `key=value` arguments, in insertion order; an empty value gives a bare `key`. */
export function kernelArgsFromMap(params: Record<string, string>, where: string): string[] {
  return Object.entries(params).map(([k, v]) => checkKernelArg(v === '' ? k : `${k}=${v}`, `${where}/${k}`));
}
