/** The JSON schemas of clean and deploy steps in API bodies (Ironic's _CLEAN_STEPS_SCHEMA and DEPLOY_STEPS_SCHEMA). */
const CLEAN_INTERFACES = ['power', 'management', 'deploy', 'bios', 'raid', 'firmware'];

export const CLEAN_STEPS_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['interface', 'step'],
    properties: {
      interface: { enum: CLEAN_INTERFACES },
      step: { type: 'string', minLength: 1 },
      args: { type: 'object' },
    },
    additionalProperties: false,
  },
};

export const DEPLOY_STEPS_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      args: { type: 'object' },
      interface: { type: 'string', enum: ['deploy', 'power', 'management', 'bios', 'raid', 'boot', 'storage', 'network', 'console', 'rescue', 'inspect', 'vendor'] },
      priority: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1, pattern: '^[0-9]+$' }] },
      step: { type: 'string', minLength: 1 },
    },
    required: ['interface', 'step', 'args', 'priority'],
    additionalProperties: false,
  },
};
