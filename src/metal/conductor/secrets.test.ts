import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../core/index.js';
import { isSecretKey, maskSecrets, openSecrets, sealSecrets } from './secrets.js';

const box = new SecretBox(randomBytes(32));

test('secret keys follow oslo\'s patterns; addresses and user names are not secrets', () => {
  for (const k of ['ipmi_password', 'redfish_password', 'agent_secret_token', 'auth_token', 'sys_pass', 'my_secret']) assert.ok(isSecretKey(k), k);
  for (const k of ['ipmi_address', 'ipmi_username', 'redfish_system_id', 'deploy_kernel']) assert.ok(!isSecretKey(k), k);
  assert.ok(isSecretKey('bmc_key', new Set(['bmc_key'])), 'keys a driver declares secret');
});

test('seal → open round-trips at any depth; sealing twice changes nothing; the mask keeps the old value', () => {
  const plain = { ipmi_address: '10.0.0.9', ipmi_password: 'p@ss', extra: [{ token: 't' }] };
  const sealed = sealSecrets(plain, box) as Record<string, any>;
  assert.ok(SecretBox.isSealed(sealed.ipmi_password));
  assert.ok(SecretBox.isSealed(sealed.extra[0].token));
  assert.deepEqual(sealSecrets(sealed, box), sealed);
  assert.deepEqual(openSecrets(sealed, box), plain);
  const kept = sealSecrets({ ...sealed, ipmi_password: '******' }, box, sealed) as Record<string, any>;
  assert.equal(kept.ipmi_password, sealed.ipmi_password);
  assert.ok(!JSON.stringify(sealed).includes('p@ss'));
});

test('masking hides secret values, sealed or not, and leaves the rest', () => {
  const sealed = sealSecrets({ a: { redfish_password: 'x' }, redfish_address: 'https://bmc' }, box);
  assert.deepEqual(maskSecrets(sealed), { a: { redfish_password: '******' }, redfish_address: 'https://bmc' });
  assert.deepEqual(maskSecrets({ ipmi_password: 'plain', n: null }), { ipmi_password: '******', n: null });
});
