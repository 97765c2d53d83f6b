import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseRuntime } from './layout-adapter.js';

const withSandboxes = { runtimes: ['process', 'default', 'vm', 'trusted'], isolatedRuntimes: ['default', 'vm'], untrustedRuntime: 'default' };

test('a trusted job runs where its label says, else on the host', () => {
  assert.equal(chooseRuntime('vm', true, withSandboxes), 'vm');
  assert.equal(chooseRuntime('trusted', true, withSandboxes), 'trusted');
  assert.equal(chooseRuntime('ubuntu-noble', true, withSandboxes), 'process');
  assert.equal(chooseRuntime(undefined, true, withSandboxes), 'process');
});

test('an untrusted job never runs on the host when sandboxes exist', () => {
  assert.equal(chooseRuntime('vm', false, withSandboxes), 'vm');
  assert.equal(chooseRuntime(undefined, false, withSandboxes), 'default');
  assert.equal(chooseRuntime('ubuntu-noble', false, withSandboxes), 'default');
  assert.equal(chooseRuntime('process', false, withSandboxes), 'default', 'a label naming a host runtime is not honoured');
  assert.equal(chooseRuntime('trusted', false, withSandboxes), 'default');
});

test('without sandboxes (the gate used as a library) jobs run as host processes', () => {
  assert.equal(chooseRuntime(undefined, false, { runtimes: ['process'] }), 'process');
});
