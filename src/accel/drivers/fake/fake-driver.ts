/**
 * Cyborg's fake driver, in its shape: one FPGA at 0000:0c:00.0, vendor
 * 0xABCD, one deployable of 16 accelerators, programmable with any
 * bitstream (the image is read through, so an unreadable one fails as real
 * hardware would). Its device node is DEVROOT/fake-fpga0 when that exists,
 * so tests can hand a real character device to a sandbox.
 */
import { existsSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { AccelDriver } from '../types.js';

export const FAKE_ADDRESS = '0000:0c:00.0';

export const fakeDriver: AccelDriver = {
  name: 'fake',
  present: () => false,
  async discover(env) {
    const node = join(env.devRoot, 'fake-fpga0');
    return [
      {
        type: 'FPGA',
        vendor: '0xABCD',
        model: 'fake-fpga',
        address: FAKE_ADDRESS,
        stdBoardInfo: { device_id: '0xabcd', class: 'Fake class' },
        vendorBoardInfo: { fake_vendor_info: 'fake' },
        driverName: 'fake',
        deployables: [
          {
            name: 'FakeDevice',
            numAccelerators: 16,
            resourceClass: 'FPGA',
            traits: ['CUSTOM_FAKE_DEVICE'],
            attributes: { vendor: '0xabcd', model: 'fake-fpga', pci_address: FAKE_ADDRESS, numa_node: '0' },
            attach: { type: 'PCI', pciAddress: FAKE_ADDRESS, deviceNodes: existsSync(node) ? [node] : [], env: {} },
          },
        ],
      },
    ];
  },
  async program(_deployable, imagePath) {
    await new Promise<void>((resolve, reject) => {
      const s = createReadStream(imagePath);
      s.on('error', reject);
      s.on('end', resolve);
      s.resume();
    });
  },
};
