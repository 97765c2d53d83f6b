import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDnsmasqConfig, type DnsmasqOptions } from './dnsmasq-config.js';

const base: DnsmasqOptions = {
  interface: 'br-prov',
  range: { start: '10.99.0.100', end: '10.99.0.150' },
  bootScriptUrl: 'http://10.99.0.1:7070/baremetal/boot/boot.ipxe',
  leaseFile: '/run/strata/leases',
};

test('iPXE clients get the HTTP chain script; no DNS, no gateway unless given', () => {
  const lines = renderDnsmasqConfig(base).trim().split('\n');
  for (const l of [
    'port=0',
    'interface=br-prov',
    'bind-interfaces',
    'dhcp-range=10.99.0.100,10.99.0.150,255.255.255.0,1h',
    'dhcp-match=set:ipxe,175',
    'dhcp-boot=tag:ipxe,http://10.99.0.1:7070/baremetal/boot/boot.ipxe',
    'dhcp-option=option:router',
    'dhcp-leasefile=/run/strata/leases',
    'log-facility=-',
  ]) {
    assert.ok(lines.includes(l), `missing ${l}`);
  }
  assert.ok(!lines.some((l) => l.startsWith('enable-tftp') || l.startsWith('enable-ra')));
});

test('TFTP for plain PXE ROMs (BIOS and UEFI), router advertisements, gateway', () => {
  const lines = renderDnsmasqConfig({ ...base, router: '10.99.0.1', tftpRoot: '/srv/tftp', ipv6RaPrefix: 'fd00:99::', pidFile: '/run/d.pid', logDhcp: true }).split('\n');
  for (const l of [
    'dhcp-option=option:router,10.99.0.1',
    'enable-tftp',
    'tftp-root=/srv/tftp',
    'dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi',
    'dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe',
    'enable-ra',
    'dhcp-range=fd00:99::,ra-only,64,1h',
    'pid-file=/run/d.pid',
    'log-dhcp',
  ]) {
    assert.ok(lines.includes(l), `missing ${l}`);
  }
});

test('bad values are refused, never written', () => {
  assert.throws(() => renderDnsmasqConfig({ ...base, interface: 'br0\nconf-file=/x' }), /interface/);
  assert.throws(() => renderDnsmasqConfig({ ...base, range: { start: '10.0.0.1', end: 'x' } }), /range end/);
  assert.throws(() => renderDnsmasqConfig({ ...base, range: { ...base.range, leaseTime: '1h\nx' } }), /lease/);
  assert.throws(() => renderDnsmasqConfig({ ...base, leaseFile: 'relative' }), /lease file/);
  assert.throws(() => renderDnsmasqConfig({ ...base, tftpRoot: '/srv', biosBootFile: 'a b' }), /boot file/);
  assert.throws(() => renderDnsmasqConfig({ ...base, bootScriptUrl: 'http://h/a,b' }), /comma/);
  assert.throws(() => renderDnsmasqConfig({ ...base, ipv6RaPrefix: '10.0.0.0' }), /IPv6/);
});
