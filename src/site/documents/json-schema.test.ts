import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSchema } from './json-schema.js';

const messages = (schema: unknown, instance: unknown) => validateSchema(schema, instance).map((e) => e.message);

test('draft-04 keywords with the messages Python jsonschema gives', () => {
  assert.deepEqual(messages({ type: 'string' }, 1), ["1 is not of type 'string'"]);
  assert.deepEqual(messages({ type: ['string', 'null'] }, true), ["True is not of type 'string', 'null'"]);
  assert.deepEqual(messages({ required: ['a', 'b'] }, { a: 1 }), ["'b' is a required property"]);
  assert.deepEqual(messages({ properties: { a: {} }, additionalProperties: false }, { a: 1, c: 2, b: 3 }), [
    "Additional properties are not allowed ('b', 'c' were unexpected)",
  ]);
  assert.deepEqual(messages({ enum: ['x', 'y'] }, 'z'), ["'z' is not one of ['x', 'y']"]);
  assert.deepEqual(messages({ pattern: '^v\\d+$' }, 'x1'), ["'x1' does not match '^v\\\\d+$'"]);
  assert.deepEqual(messages({ minimum: 5 }, 4), ['4 is less than the minimum of 5']);
  assert.deepEqual(messages({ maximum: 5, exclusiveMaximum: true }, 5), ['5 is greater than or equal to the maximum of 5']);
  assert.deepEqual(messages({ minItems: 1 }, []), ['[] is too short']);
  assert.deepEqual(messages({ uniqueItems: true }, [1, 2, 1]), ['[1, 2, 1] has non-unique elements']);
  assert.deepEqual(messages({ minProperties: 1 }, {}), ['{} does not have enough properties']);
  assert.deepEqual(messages({ dependencies: { a: ['b'] } }, { a: 1 }), ["'b' is a dependency of 'a'"]);
  assert.deepEqual(messages({ anyOf: [{ type: 'string' }, { type: 'integer' }] }, 1.5), ['1.5 is not valid under any of the given schemas']);
  assert.deepEqual(messages({ oneOf: [{ type: 'integer' }, { minimum: 0 }] }, 3), ['3 is valid under each of 2 of the given schemas']);
  assert.deepEqual(messages({ not: { type: 'integer' } }, 3), ["3 should not be valid under {'type': 'integer'}"]);
  assert.deepEqual(messages({ multipleOf: 3 }, 7), ['7 is not a multiple of 3']);
  assert.deepEqual(messages({ format: 'ipv4' }, 'not an ip'), [], 'formats are not asserted (Deckhand passes no format checker)');
});

test('errors carry the path in the instance and in the schema', () => {
  const schema = {
    definitions: { port: { type: 'integer', maximum: 65535 } },
    properties: { hosts: { type: 'array', items: { properties: { port: { $ref: '#/definitions/port' } } } } },
  };
  const [err] = validateSchema(schema, { hosts: [{ port: 80 }, { port: 70000 }] });
  assert.deepEqual(err.path, ['hosts', 1, 'port']);
  assert.deepEqual(err.schemaPath, ['properties', 'hosts', 'items', 'properties', 'port', '$ref', 'maximum']);
});

test('a $ref replaces its siblings (draft 4); an unresolvable one is a schema problem, not a failure', () => {
  assert.deepEqual(messages({ definitions: { s: { type: 'string' } }, $ref: '#/definitions/s', type: 'integer' }, 'x'), []);
  const [e] = validateSchema({ properties: { a: { $ref: '#/definitions/missing' } } }, { a: 1 });
  assert.equal(e.schemaProblem, true);
  assert.match(e.message, /cannot be resolved/);
  assert.deepEqual(validateSchema({ properties: { a: { $ref: '#/definitions/missing' } } }, {}), [], 'only when reached, as in Python');
});

test('additionalProperties as a schema, patternProperties, tuple items', () => {
  assert.deepEqual(messages({ additionalProperties: { type: 'string' } }, { a: 'x', b: 2 }), ["2 is not of type 'string'"]);
  assert.deepEqual(messages({ patternProperties: { '^x-': { type: 'integer' } }, additionalProperties: false }, { 'x-a': 1, y: 2 }), [
    "'y' does not match any of the regexes: '^x-'",
  ]);
  assert.deepEqual(messages({ items: [{ type: 'string' }], additionalItems: false }, ['a', 'b']), ["Additional items are not allowed ('b' was unexpected)"]);
});
