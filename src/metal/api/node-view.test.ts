import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../core/index.js';
import { encode } from '../db/codec.js';
import { NODE_CODEC, type NodeRecord } from '../db/records.js';
import { nodeRecord } from '../conductor/testing.js';
import { sealSecrets } from '../conductor/secrets.js';
import { DEFAULT_NODE_LIST_FIELDS, renderNode, renderNodeJson, renderNodeStates, type NodeViewContext } from './node-view.js';

const box = new SecretBox(randomBytes(32));
const node = (o: Partial<NodeRecord>): NodeRecord => ({ id: 7, ...nodeRecord(o) });
/** What the store holds for a record: JSON as text, booleans as 0/1. */
const row = (n: NodeRecord) => encode(n as unknown as Record<string, unknown>, NODE_CODEC);

const samples: NodeRecord[] = [
  node({ name: 'plain', properties: { cpus: 4, nested: { a: [1, 2] } }, extra: { 'odd "key"': 'é\n' }, provision_state: 'available', maintenance: true, automated_clean: false }),
  node({ name: 'nulls', network_data: null, clean_step: null, boot_mode: null, secure_boot: null, power_state: null, provision_state: 'inspect wait' }),
  node({ name: 'secret', driver_info: sealSecrets({ ipmi_address: '10.0.0.1', ipmi_password: 'x' }, box) as Record<string, unknown>, instance_info: { configdrive: 'H4sI', image_url: 'http://i' } }),
  node({ name: 'token', driver_internal_info: { agent_secret_token: 'sealed?', deploy_steps: [] }, owner: 'p1', lessee: 'p2', secure_boot: true }),
];

test('the text renderer and the object renderer agree, at every version, field selection and redaction', () => {
  for (const n of samples) {
    for (const minor of [1, 2, 5, 31, 37, 38, 52, 75, 78]) {
      for (const fields of [undefined, DEFAULT_NODE_LIST_FIELDS, ['uuid', 'driver_info', 'properties', 'traits', 'created_at']]) {
        for (const redact of [false, true]) {
          const x: NodeViewContext = { minor, base: 'http://h/baremetal', fields, traits: ['CUSTOM_A'], chassisUuid: null, allocationUuid: 'a-1', conductor: 'c1', secretKeys: new Set(['ipmi_password']), redact };
          assert.deepEqual(JSON.parse(renderNodeJson(row(n), x)), renderNode(n, x), `${n.name} at 1.${minor} fields=${fields} redact=${redact}`);
        }
      }
    }
  }
});

test('what the views hide and rename', () => {
  const x: NodeViewContext = { minor: 78, base: 'http://h/baremetal' };
  const secret = renderNode(samples[2], x);
  assert.equal((secret.driver_info as Record<string, unknown>).ipmi_password, '******');
  assert.deepEqual(secret.instance_info, { configdrive: '******', image_url: '******' });
  assert.equal((renderNode(samples[3], x).driver_internal_info as Record<string, unknown>).agent_secret_token, '******');
  assert.match(JSON.stringify(renderNode(samples[3], { ...x, redact: true }).driver_info), /Redacted/);
  assert.equal(renderNode(samples[1], { minor: 38, base: '' }).provision_state, 'inspecting');
  assert.equal(renderNode(samples[0], { minor: 1, base: '' }).provision_state, null);
  assert.equal(renderNode(samples[0], { minor: 4, base: '' }).name, undefined);
  assert.deepEqual(Object.keys(renderNodeStates(samples[0], 11)).sort(), ['console_enabled', 'last_error', 'power_state', 'provision_state', 'provision_updated_at', 'target_power_state', 'target_provision_state']);
});
