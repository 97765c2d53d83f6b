/**
 * Node bodies as Ironic validates them (api/controllers/v1/node.py:
 * node_schema, node_patch_schema, NODE_VALIDATE_EXTRA, PATCH_ALLOWED_FIELDS).
 */
const str = { type: ['string', 'null'] };
const obj = { type: ['object', 'null'] };
const boolish = { type: ['string', 'boolean', 'null'] };

export const NODE_DESCRIPTION_MAX = 4096;

export const NODE_SCHEMA = {
  type: 'object',
  properties: {
    automated_clean: boolish,
    bios_interface: str,
    boot_interface: str,
    boot_mode: str,
    chassis_uuid: str,
    conductor_group: str,
    console_enabled: boolish,
    console_interface: str,
    deploy_interface: str,
    description: { type: ['string', 'null'], maxLength: NODE_DESCRIPTION_MAX },
    driver: { type: 'string' },
    driver_info: obj,
    extra: obj,
    inspect_interface: str,
    instance_info: obj,
    instance_uuid: str,
    lessee: str,
    management_interface: str,
    maintenance: boolish,
    name: str,
    network_data: obj,
    network_interface: str,
    owner: str,
    power_interface: str,
    properties: obj,
    raid_interface: str,
    rescue_interface: str,
    resource_class: { type: ['string', 'null'], maxLength: 80 },
    retired: boolish,
    retired_reason: str,
    secure_boot: boolish,
    storage_interface: str,
    uuid: str,
    vendor_interface: str,
  },
  required: ['driver'],
  additionalProperties: false,
};

export const NODE_PATCH_SCHEMA = {
  ...NODE_SCHEMA,
  properties: { ...NODE_SCHEMA.properties, protected: boolish, protected_reason: str },
};

/** Fields whose string values Ironic reads as booleans. */
export const NODE_BOOL_FIELDS = ['automated_clean', 'console_enabled', 'protected', 'maintenance', 'retired', 'secure_boot'] as const;
/** Fields that must hold a UUID when set. */
export const NODE_UUID_FIELDS = ['chassis_uuid', 'instance_uuid', 'uuid'] as const;

export const PATCH_ALLOWED_FIELDS = [
  'automated_clean',
  'bios_interface',
  'boot_interface',
  'chassis_uuid',
  'conductor_group',
  'console_interface',
  'deploy_interface',
  'description',
  'driver',
  'driver_info',
  'extra',
  'inspect_interface',
  'instance_info',
  'instance_uuid',
  'lessee',
  'maintenance',
  'management_interface',
  'name',
  'network_data',
  'network_interface',
  'owner',
  'power_interface',
  'properties',
  'protected',
  'protected_reason',
  'raid_interface',
  'rescue_interface',
  'resource_class',
  'retired',
  'retired_reason',
  'storage_interface',
  'vendor_interface',
];

/** Words that cannot be node names: they are routes under /v1/nodes. */
export const RESERVED_NODE_NAMES = ['detail', 'validate'];

export const CONDUCTOR_GROUP_RE = /^[a-zA-Z0-9_\-.]*$/;

/** Ironic's os_traits: CUSTOM_ traits, or a standard trait name (upper case with underscores). */
export const TRAIT_RE = /^[A-Z0-9_]+$/;
export const TRAITS_SCHEMA = {
  type: 'object',
  properties: { traits: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Z0-9_]+$' } } },
  additionalProperties: false,
};
