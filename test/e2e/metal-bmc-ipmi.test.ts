/**
 * One machine, two BMCs: `strata bmc serve --state DIR` (Redfish) and
 * `ipmi_sim` with the Strata chassis hook on the same DIR (IPMI). What one
 * protocol changes, the other sees.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryCommand, spawnBmc, startIpmiSim, type BmcProcess, type IpmiSim } from '../../src/metal/bmc/index.js';
import { createDriverRegistry, type DriverNode } from '../../src/metal/drivers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-bmc-ipmi-'));
const state = join(dir, 'state');
let bmc: BmcProcess;
let sim: IpmiSim;
const drivers = createDriverRegistry({ ipmi: { retries: 2, requestTimeoutS: 3, pollIntervalMs: 100 }, redfish: { pollIntervalMs: 50 } });

before(async () => {
  bmc = await spawnBmc(['--systems', '2', '--state', state]);
  sim = await startIpmiSim({ configDir: join(dir, 'ipmi'), stateDir: state, system: 'node-1', username: 'operator', password: 'ipmi-pw' });
});
after(async () => {
  await Promise.all([sim?.stop(), bmc?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const ipmiNode = (): DriverNode => ({
  uuid: 'both-ipmi',
  driver: 'ipmi',
  driver_info: { ipmi_address: sim.address, ipmi_port: String(sim.port), ipmi_username: 'operator', ipmi_password: 'ipmi-pw', ipmi_cipher_suite: '3' },
  properties: { capabilities: 'boot_mode:bios' },
});
const redfishNode = (): DriverNode => ({ uuid: 'both-redfish', driver: 'redfish', driver_info: { redfish_address: bmc.url, redfish_system_id: '/redfish/v1/Systems/node-1' } });
const system = async () => (await (await fetch(`${bmc.url}/redfish/v1/Systems/node-1`)).json()) as { PowerState: string; Boot: { BootSourceOverrideTarget: string; BootSourceOverrideEnabled: string } };

test('IPMI power and boot changes show in Redfish', async () => {
  const ctx = { node: ipmiNode() };
  const ipmi = drivers.compose(ctx.node);
  await ipmi.power.setPowerState(ctx, 'power on');
  assert.equal((await system()).PowerState, 'On');
  await ipmi.management.setBootDevice(ctx, 'pxe');
  const boot = (await system()).Boot;
  assert.deepEqual([boot.BootSourceOverrideTarget, boot.BootSourceOverrideEnabled], ['Pxe', 'Continuous']);
  await ipmi.power.setPowerState(ctx, 'power off');
  assert.equal((await system()).PowerState, 'Off');
  // the other system was not touched
  const other = (await (await fetch(`${bmc.url}/redfish/v1/Systems/node-0`)).json()) as { PowerState: string };
  assert.equal(other.PowerState, 'Off');
});

test('Redfish power and boot changes show over IPMI', async () => {
  const rf = { node: redfishNode() };
  const ipmiCtx = { node: ipmiNode() };
  const redfish = drivers.compose(rf.node);
  const ipmi = drivers.compose(ipmiCtx.node);
  await redfish.management.setBootDevice(rf, 'cdrom', true);
  assert.equal((await ipmi.management.getBootDevice(ipmiCtx)).boot_device, 'cdrom');
  await redfish.power.setPowerState(rf, 'power on');
  assert.equal(await ipmi.power.getPowerState(ipmiCtx), 'power on');
  await redfish.management.setBootDevice(rf, 'disk', true);
  assert.equal((await ipmi.management.getBootDevice(ipmiCtx)).boot_device, 'disk');
  await redfish.power.setPowerState(rf, 'power off');
  assert.equal(await ipmi.power.getPowerState(ipmiCtx), 'power off');
});

test('the hook speaks ipmi_sim\'s protocol and refuses what it does not know', () => {
  const [file, ...pre] = entryCommand('main');
  const hook = (...args: string[]) => spawnSync(file, [...pre, 'bmc', 'ipmi-hook', '--state', state, 'node-0', '0x20', ...args], { encoding: 'utf8' });
  const set = hook('set', 'power', '1', 'boot', 'pxe');
  assert.equal(set.status, 0, set.stdout + set.stderr);
  const got = hook('get', 'power', 'boot');
  assert.equal(got.stdout, 'power:1\nboot:pxe\n');
  const bad = hook('set', 'boot', 'floppy');
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /invalid boot value: floppy/);
  const list = spawnSync(file, [...pre, 'bmc', 'list', '--state', state, '--json'], { encoding: 'utf8' });
  const node0 = (JSON.parse(list.stdout) as { id: string; power: string; boot: { target: string } }[]).find((m) => m.id === 'node-0')!;
  assert.equal(node0.power, 'On');
  assert.equal(node0.boot.target, 'Pxe');
});
