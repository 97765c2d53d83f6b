/**
 * Partial reconfiguration of a DFL port through the kernel's interface: the
 * DFL_FPGA_FME_PORT_PR ioctl on /dev/dfl-fme.N with a struct
 * dfl_fpga_fme_port_pr {argsz, flags, port_id, buffer_size, buffer_address}
 * (include/uapi/linux/fpga-dfl.h). Node cannot issue an ioctl, so a short
 * Python program does, with the node, port and image as argv: no shell.
 */
import { run } from '../../../core/host/index.js';

/** _IO(DFL_FPGA_MAGIC 0xB6, DFL_FME_BASE 0x80 + 0) */
export const DFL_FPGA_FME_PORT_PR = 0xb680;

export const PR_PROGRAM = `
import ctypes, fcntl, os, sys
node, port, image = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = open(image, 'rb').read()
buf = ctypes.create_string_buffer(data, len(data))
class PortPr(ctypes.Structure):
    _fields_ = [('argsz', ctypes.c_uint32), ('flags', ctypes.c_uint32), ('port_id', ctypes.c_uint32),
                ('buffer_size', ctypes.c_uint32), ('buffer_address', ctypes.c_uint64)]
pr = PortPr(ctypes.sizeof(PortPr), 0, port, len(data), ctypes.addressof(buf))
fd = os.open(node, os.O_RDWR)
try:
    fcntl.ioctl(fd, ${DFL_FPGA_FME_PORT_PR}, pr)
except OSError as e:
    sys.stderr.write('%s: partial reconfiguration of port %d failed: %s\\n' % (node, port, e.strerror))
    sys.exit(1)
finally:
    os.close(fd)
`;

export function portPrArgv(fmeNode: string, portId: number, imagePath: string): string[] {
  return ['python3', '-c', PR_PROGRAM, fmeNode, String(portId), imagePath];
}

export async function programPort(fmeNode: string, portId: number, imagePath: string): Promise<void> {
  const r = await run(portPrArgv(fmeNode, portId, imagePath), { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(r.stderr.trim() || `programming ${fmeNode} port ${portId} failed (exit ${r.code})`);
}
