import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriverError } from '../errors.js';
import { localGbFrom, parseRedfishInfo, redfishErrorMessage } from './index.js';

const node = (info: Record<string, unknown>) => ({ uuid: 'n-1', driver: 'redfish', driver_info: info });
const GiB = 1024 ** 3;

test('redfish_address: https assumed, a path becomes the root prefix', () => {
  assert.deepEqual(
    { ...parseRedfishInfo(node({ redfish_address: 'bmc.example:8443' })) },
    { address: 'https://bmc.example:8443', rootPrefix: '/redfish/v1/', systemId: undefined, username: undefined, password: undefined, verifyCa: true, authType: 'auto' },
  );
  const i = parseRedfishInfo(node({ redfish_address: 'http://127.0.0.1:8000/custom/v1', redfish_system_id: '/custom/v1/Systems/a', redfish_verify_ca: 'false', redfish_auth_type: 'session', redfish_username: 'u', redfish_password: 'p' }));
  assert.equal(i.rootPrefix, '/custom/v1/');
  assert.equal(i.verifyCa, false);
  assert.equal(i.authType, 'session');
  assert.equal(i.systemId, '/custom/v1/Systems/a');
  assert.throws(() => parseRedfishInfo(node({})), (e: unknown) => e instanceof DriverError && e.kind === 'missing-parameter');
  assert.throws(() => parseRedfishInfo(node({ redfish_address: 'ftp://x' })), /scheme ftp: is not http or https/);
  assert.throws(() => parseRedfishInfo(node({ redfish_address: 'h', redfish_verify_ca: '/no/such/ca' })), /redfish_verify_ca/);
  assert.throws(() => parseRedfishInfo(node({ redfish_address: 'h', redfish_auth_type: 'digest' })), /redfish_auth_type/);
  assert.throws(() => parseRedfishInfo(node({ redfish_address: 'h', redfish_system_id: 'Systems 1' })), /redfish_system_id/);
});

test('local_gb is Ironic\'s: smallest disk of at least 4 GiB, less one', () => {
  assert.equal(localGbFrom([8 * GiB, 2 * GiB], [], []), 7);
  assert.equal(localGbFrom([], [], [100 * GiB, 20 * GiB]), 19);
  assert.equal(localGbFrom([50 * GiB], [30 * GiB], [10 * GiB]), 29);
  assert.equal(localGbFrom([1 * GiB], [], []), 0);
});

test('Redfish error bodies are read for messages', () => {
  assert.equal(
    redfishErrorMessage({ error: { code: 'Base.1.8.GeneralError', message: 'bad', '@Message.ExtendedInfo': [{ MessageId: 'Base.1.8.PropertyValueNotInList', Message: 'Floppy is not allowed' }] } }),
    'bad; Floppy is not allowed',
  );
  assert.equal(redfishErrorMessage('nope'), undefined);
});
