/**
 * Deckhand's built-in DataSchemas (deckhand/engine/schemas/*.yaml), keyed by
 * their metadata.name. They check every document's skeleton and metadata,
 * the control documents, and the data of the secret document types.
 */
type Schema = Record<string, unknown>;

const DRAFT4 = 'http://json-schema.org/draft-04/schema#';

const base: Schema = {
  $schema: DRAFT4,
  properties: {
    schema: { type: 'string', pattern: '^[A-Za-z]+/[A-Za-z]+/v\\d+$' },
    metadata: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        schema: {
          anyOf: [
            { type: 'string', pattern: '^metadata/Document/v\\d+$' },
            { type: 'string', pattern: '^metadata/Control/v\\d+$' },
          ],
        },
      },
      additionalProperties: true,
      required: ['name', 'schema'],
    },
    data: { type: ['null', 'string', 'object', 'array', 'number', 'boolean'] },
  },
  additionalProperties: false,
  required: ['schema', 'metadata', 'data'],
};

const metadataControl: Schema = {
  $schema: DRAFT4,
  type: 'object',
  properties: {
    schema: { type: 'string', pattern: '^metadata/Control/v\\d+$' },
    name: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
  },
  additionalProperties: true,
  required: ['schema', 'name'],
};

const substitutionDest: Schema = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    pattern: { type: 'string' },
    recurse: {
      type: 'object',
      properties: { depth: { type: 'integer', minimum: -1, default: -1 } },
      required: ['depth'],
    },
  },
  additionalProperties: false,
  required: ['path'],
};

const metadataDocument: Schema = {
  $schema: DRAFT4,
  definitions: {
    parent_selector_requires_actions: { dependencies: { parentSelector: { required: ['actions'] } } },
    actions_requires_parent_selector: { dependencies: { actions: { required: ['parentSelector'] } } },
    substitution_dest: substitutionDest,
  },
  type: 'object',
  properties: {
    schema: { type: 'string', pattern: '^metadata/Document/v\\d+$' },
    name: { type: 'string' },
    labels: { type: 'object' },
    replacement: { type: 'boolean' },
    layeringDefinition: {
      type: 'object',
      properties: {
        layer: { type: 'string' },
        abstract: { type: 'boolean' },
        parentSelector: { type: 'object', minProperties: 1 },
        actions: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            properties: { method: { enum: ['replace', 'delete', 'merge'] }, path: { type: 'string' } },
            additionalProperties: false,
            required: ['method', 'path'],
          },
        },
      },
      additionalProperties: false,
      required: ['layer'],
      allOf: [
        { $ref: '#/definitions/parent_selector_requires_actions' },
        { $ref: '#/definitions/actions_requires_parent_selector' },
      ],
    },
    substitutions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          dest: {
            anyOf: [
              { $ref: '#/definitions/substitution_dest' },
              { type: 'array', minItems: 1, items: { $ref: '#/definitions/substitution_dest' } },
            ],
          },
          src: {
            type: 'object',
            properties: {
              schema: { type: 'string', pattern: '^[A-Za-z]+/[A-Za-z]+/v\\d+$' },
              name: { type: 'string' },
              path: { type: 'string' },
              pattern: { type: 'string' },
              match_group: { type: 'integer' },
              deepcopy: { type: 'boolean' },
            },
            additionalProperties: false,
            required: ['schema', 'name', 'path'],
          },
        },
        additionalProperties: false,
        required: ['dest', 'src'],
      },
    },
    storagePolicy: { type: 'string', enum: ['encrypted', 'cleartext'] },
  },
  additionalProperties: false,
  required: ['schema', 'name', 'storagePolicy', 'layeringDefinition'],
};

const layeringPolicy: Schema = {
  $schema: DRAFT4,
  type: 'object',
  properties: { layerOrder: { type: 'array', items: { type: 'string' } } },
  additionalProperties: false,
  required: ['layerOrder'],
};

const validationPolicy: Schema = {
  $schema: DRAFT4,
  type: 'object',
  properties: {
    validations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', pattern: '^.*-(validation|verification)$' },
          expiresAfter: { type: 'string' },
        },
        additionalProperties: false,
        required: ['name'],
      },
    },
  },
  required: ['validations'],
  additionalProperties: false,
};

const stringData: Schema = { $schema: DRAFT4, type: 'string' };

/** name (`namespace/Kind/vN`) → schema of the data it describes. */
export const BUILTIN_SCHEMAS: ReadonlyMap<string, Schema> = new Map([
  ['deckhand/Base/v1', base],
  ['metadata/Control/v1', metadataControl],
  ['metadata/Document/v1', metadataDocument],
  ['deckhand/LayeringPolicy/v1', layeringPolicy],
  ['deckhand/ValidationPolicy/v1', validationPolicy],
  ['deckhand/CertificateAuthority/v1', stringData],
  ['deckhand/CertificateAuthorityKey/v1', stringData],
  ['deckhand/Certificate/v1', stringData],
  ['deckhand/CertificateKey/v1', stringData],
  ['deckhand/Passphrase/v1', stringData],
  ['deckhand/PrivateKey/v1', stringData],
  ['deckhand/PublicKey/v1', stringData],
]);
