import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MINOR, negotiate, requestedVersion, VersionError } from './version.js';

test('no header means the minimum, latest the maximum, 1.N that version', () => {
  assert.equal(negotiate(requestedVersion({})), 1);
  assert.equal(negotiate(requestedVersion({ 'x-openstack-ironic-api-version': 'latest' })), MAX_MINOR);
  assert.equal(negotiate(requestedVersion({ 'x-openstack-ironic-api-version': '1.46' })), 46);
});

test('the standard OpenStack-API-Version header is read for the baremetal service; the Ironic header wins', () => {
  assert.equal(negotiate(requestedVersion({ 'openstack-api-version': 'compute 2.1, baremetal 1.50' })), 50);
  assert.equal(negotiate(requestedVersion({ 'openstack-api-version': 'baremetal 1.50', 'x-openstack-ironic-api-version': '1.60' })), 60);
  assert.equal(negotiate(requestedVersion({ 'openstack-api-version': 'compute 2.1' })), 1);
});

test('versions outside the range, other majors and garbage answer 406 with the range', () => {
  for (const [v, re] of [
    ['1.79', /Version 1\.79 was requested but the minor version is not supported by this service\. The supported version range is: \[1\.1, 1\.78\]\./],
    ['1.0', /Version 1\.0 was requested/],
    ['2.1', /Mutually exclusive versions requested\. Version 2\.1 requested/],
    ['one', /Invalid value for X-OpenStack-Ironic-API-Version header/],
  ] as const) {
    assert.throws(() => negotiate(v), (e: VersionError) => e.status === 406 && re.test(e.message), v);
  }
});
