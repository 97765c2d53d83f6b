import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriverError } from '../errors.js';
import { classifyIpmitoolFailure, ipmitoolArgs, parseBootParam, parseIpmiInfo, parsePowerStatus } from './index.js';
import { kgKeyForEnv, summarizeStderr } from './ipmitool.js';

const node = (info: Record<string, unknown>) => ({ uuid: 'n-1', driver: 'ipmi', driver_info: info });

test('argv carries address, user, port and cipher suite but never the password or Kg key', () => {
  const info = parseIpmiInfo(node({ ipmi_address: '10.0.0.5', ipmi_username: 'admin', ipmi_password: 'p@ss w0rd', ipmi_port: '6230', ipmi_cipher_suite: 3, ipmi_hex_kg_key: '414243' }));
  const args = ipmitoolArgs(info, ['power', 'status'], { retries: 1, requestTimeoutS: 2 });
  assert.deepEqual(args, ['-I', 'lanplus', '-H', '10.0.0.5', '-L', 'ADMINISTRATOR', '-p', '6230', '-U', 'admin', '-K', '-C', '3', '-R', '1', '-N', '2', '-E', '-v', 'power', 'status']);
  // an empty password goes through a file (the environment cannot carry it)
  const empty = parseIpmiInfo(node({ ipmi_address: 'h' }));
  assert.deepEqual(ipmitoolArgs(empty, ['power', 'status'], {}, '/tmp/x/pw').slice(-5), ['-f', '/tmp/x/pw', '-v', 'power', 'status']);
  assert.ok(!args.some((a) => a.includes('p@ss') || a.includes('414243') || a === 'ABC'));
  assert.equal(kgKeyForEnv('414243'), 'ABC');
  assert.throws(() => kgKeyForEnv('4100'), /zero byte/);
});

test('driver_info is checked as Ironic checks it', () => {
  assert.throws(() => parseIpmiInfo(node({})), (e: unknown) => e instanceof DriverError && e.kind === 'missing-parameter' && /ipmi_address/.test(e.message));
  assert.throws(() => parseIpmiInfo(node({ ipmi_address: 'h', ipmi_port: '70000' })), /ipmi_port.*not a valid port/);
  assert.throws(() => parseIpmiInfo(node({ ipmi_address: 'h', ipmi_priv_level: 'ROOT' })), /ipmi_priv_level/);
  assert.throws(() => parseIpmiInfo(node({ ipmi_address: 'h', ipmi_protocol_version: '1.5', ipmi_cipher_suite: 3 })), /cannot be used with IPMI 1.5/);
  assert.throws(() => parseIpmiInfo(node({ ipmi_address: 'h', ipmi_hex_kg_key: 'abc' })), /even number/);
  assert.throws(() => parseIpmiInfo(node({ ipmi_address: 'h', ipmi_bridging: 'single' })), /ipmi_target_channel, ipmi_target_address/);
  assert.throws(() => parseIpmiInfo(node({ ipmi_address: '-oProxyCommand=x' })), /not a host name/);
  const lan = parseIpmiInfo(node({ ipmi_address: 'h', ipmi_protocol_version: '1.5', ipmi_force_boot_device: 'yes' }));
  assert.equal(ipmitoolArgs(lan, ['power', 'on'])[1], 'lan');
  assert.equal(lan.forceBootDevice, true);
  assert.equal(lan.password, '');
});

test('failures are classified from ipmitool\'s messages', () => {
  assert.equal(classifyIpmitoolFailure('Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n'), 'auth');
  assert.equal(classifyIpmitoolFailure('RAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session'), 'auth');
  assert.equal(classifyIpmitoolFailure('Get Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session'), 'unreachable');
  assert.equal(classifyIpmitoolFailure('Address lookup for nosuch failed'), 'unreachable');
  assert.equal(classifyIpmitoolFailure('Set Chassis Power Control to Up/On failed: Node busy'), 'busy');
  assert.equal(classifyIpmitoolFailure('Get Chassis Power Status failed: Unspecified error'), 'bmc-error');
  assert.equal(summarizeStderr('Loading IANA PEN Registry...\nRunning Get VSO Capabilities my_addr 0x20\n> RAKP 2 HMAC is invalid\nError: x\n'), '> RAKP 2 HMAC is invalid; Error: x');
});

test('ipmitool output is parsed', () => {
  assert.equal(parsePowerStatus('Chassis Power is on\n'), 'power on');
  assert.equal(parsePowerStatus('Chassis Power is off\n'), 'power off');
  assert.equal(parsePowerStatus('garbage'), 'error');
  const out = [
    'Boot parameter version: 1',
    'Boot parameter 5 is valid/unlocked',
    'Boot parameter data: 0004000000',
    ' Boot Flags :',
    '   - Boot Flag Invalid',
    '   - Options apply to only next boot',
    '   - BIOS PC Compatible (legacy) boot ',
    '   - Boot Device Selector : Force PXE',
  ].join('\n');
  assert.deepEqual(parseBootParam(out), { boot_device: 'pxe', persistent: false, mode: 'bios' });
  assert.deepEqual(parseBootParam(out.replace('Force PXE', 'Force Boot from default Hard-Drive, request Safe-Mode').replace('only next boot', 'all future boots').replace('BIOS PC Compatible (legacy) boot', 'BIOS EFI boot')), { boot_device: 'safe', persistent: true, mode: 'uefi' });
  assert.deepEqual(parseBootParam(out.replace('Force PXE', 'Force Boot from CD/DVD')).boot_device, 'cdrom');
  assert.deepEqual(parseBootParam(out.replace('Force PXE', 'No override')), { boot_device: null, persistent: null, mode: 'bios' });
});
