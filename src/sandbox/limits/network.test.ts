import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostIfFor, subnetAddresses, usedSubnets } from './network.js';

test('each sandbox gets a /30: gateway .1, sandbox .2', () => {
  assert.deepEqual(subnetAddresses('10.213.0.0', 0), { network: '10.213.0.0', host: '10.213.0.1', sandbox: '10.213.0.2' });
  assert.deepEqual(subnetAddresses('10.213.0.0', 65), { network: '10.213.1.4', host: '10.213.1.5', sandbox: '10.213.1.6' });
  assert.equal(subnetAddresses('10.213.0.0', 16383).sandbox, '10.213.255.254');
});

test('subnets in use are read from ip -o addr output', () => {
  const out = `1: lo    inet 127.0.0.1/8 scope host lo
7: sbxabc    inet 10.213.1.5/30 scope global sbxabc
8: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0`;
  assert.deepEqual([...usedSubnets(out, '10.213.0.0')], [65]);
  assert.ok(hostIfFor('0123456789ab').length <= 15);
});
