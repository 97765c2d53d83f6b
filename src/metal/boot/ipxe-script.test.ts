import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBootUrl, renderChainScript, renderNodeScript } from './ipxe-script.js';
import { kernelArgsFromMap, splitKernelArgs } from './kernel-params.js';
import { macHexhyp, normalizeMac } from './mac.js';

const U = '1be26c0b-03f2-4d2e-ae87-c02d7f33c123';

test('MACs: colon or hyphen, any case, normalise to lower-case colons', () => {
  assert.equal(normalizeMac('52-54-00-AB-cd-EF'), '52:54:00:ab:cd:ef');
  assert.equal(normalizeMac(' 52:54:00:ab:cd:ef '), '52:54:00:ab:cd:ef');
  for (const bad of ['52:54:00:ab:cd', '52:54-00:ab:cd:ef', 'zz:54:00:ab:cd:ef', '525400abcdef', '']) assert.equal(normalizeMac(bad), null, bad);
  assert.equal(macHexhyp('52:54:00:AB:CD:EF'), '52-54-00-ab-cd-ef');
  assert.throws(() => macHexhyp('nope'));
});

test('the chain script tries the booting NIC, then every NIC, then reboots', () => {
  const s = renderChainScript({ perMacUrlPrefix: 'http://10.0.0.1:7070/baremetal/boot/pxelinux.cfg/' });
  assert.ok(s.startsWith('#!ipxe\n'));
  assert.match(s, /^chain http:\/\/10\.0\.0\.1:7070\/baremetal\/boot\/pxelinux\.cfg\/\$\{mac:hexhyp\} \|\| goto next_nic$/m);
  assert.match(s, /^chain http:\/\/10\.0\.0\.1:7070\/baremetal\/boot\/pxelinux\.cfg\/\$\{net\$\{netid\}\/mac:hexhyp\} \|\| goto loop$/m);
  assert.match(s, /^reboot$/m);
});

test('a deploy script: kernel with arguments, BOOTIF, named initrd, retries, power-off after the last attempt', () => {
  const s = renderNodeScript({
    nodeUuid: U,
    mode: 'deploy',
    kernelUrl: 'http://10.0.0.1/k',
    ramdiskUrl: 'http://10.0.0.1/r?x=1',
    kernelArgs: ['console=ttyS0', 'ipa-api-url=http://10.0.0.1:7070/baremetal'],
    timeoutMs: 30000,
    attempts: 3,
  });
  const lines = s.split('\n');
  assert.equal(lines[0], '#!ipxe');
  assert.ok(lines.includes(`# Strata: boot script of node ${U} (deploy)`));
  assert.ok(lines.includes('kernel --timeout 30000 http://10.0.0.1/k console=ttyS0 ipa-api-url=http://10.0.0.1:7070/baremetal BOOTIF=${mac} initrd=deploy_ramdisk || goto retry'), s);
  assert.ok(lines.includes('initrd --timeout 30000 --name deploy_ramdisk http://10.0.0.1/r?x=1 || goto retry'));
  assert.ok(lines.includes('set attempts:int32 3'));
  assert.ok(lines.includes('poweroff'));
});

test('a ramdisk instance boots root=/dev/ram0; a local boot hands over to the disk', () => {
  const r = renderNodeScript({ nodeUuid: U, mode: 'ramdisk', kernelUrl: 'https://h/k', ramdiskUrl: 'https://h/r' });
  assert.match(r, /^kernel https:\/\/h\/k root=\/dev\/ram0 initrd=ramdisk \|\| goto retry$/m);
  assert.match(r, /^initrd --name ramdisk https:\/\/h\/r \|\| goto retry$/m);
  const l = renderNodeScript({ nodeUuid: U, mode: 'local' });
  assert.match(l, /^sanboot --no-describe --drive 0x80 \|\| exit 0$/m);
  assert.doesNotMatch(l, /kernel/);
});

test('nothing from input can add an iPXE command or expansion', () => {
  const base = { nodeUuid: U, mode: 'deploy' as const, kernelUrl: 'http://h/k', ramdiskUrl: 'http://h/r' };
  assert.throws(() => renderNodeScript({ ...base, kernelArgs: ['a\nshell'] }), /kernel argument/);
  assert.throws(() => renderNodeScript({ ...base, kernelArgs: ['a b'] }), /kernel argument/);
  assert.throws(() => renderNodeScript({ ...base, kernelArgs: ['x=${net0/mac}'] }), /kernel argument/);
  assert.throws(() => renderNodeScript({ ...base, kernelUrl: 'http://h/k?${x}' }), /characters iPXE/);
  assert.throws(() => renderNodeScript({ ...base, kernelUrl: 'file:///etc/shadow' }), /http/);
  assert.throws(() => renderNodeScript({ ...base, ramdiskUrl: undefined }), /expected a URL/);
  assert.throws(() => renderNodeScript({ ...base, nodeUuid: 'x\ny' }));
  // A newline inside a URL is dropped by URL parsing, never passed through.
  assert.equal(checkBootUrl('http://h/a\nb', 'u'), 'http://h/ab');
  assert.throws(() => splitKernelArgs(42, 'where'), /where/);
  assert.deepEqual(splitKernelArgs(' a=1  b ', 'w'), ['a=1', 'b']);
  assert.deepEqual(kernelArgsFromMap({ 'ipa-api-url': 'http://h', quiet: '' }, 'w'), ['ipa-api-url=http://h', 'quiet']);
  assert.throws(() => kernelArgsFromMap({ a: 'x y' }, 'params'), /params\/a/);
});
