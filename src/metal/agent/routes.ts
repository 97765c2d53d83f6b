const Hex = (max: number) => Type.String({ pattern: '^(0x)?[0-9a-fA-F]*$', maxLength: max });
const InspectionBody = Type.Object(
  {
    agent_token: Type.Optional(Type.String({ maxLength: 255 })),
    // ironic-python-agent's inventory has much more; only the NICs are read
    inventory: Type.Object({ interfaces: Type.Array(Type.Object({ name: Type.Optional(Type.String({ maxLength: 64 })), mac_address: Type.String({ pattern: '^[0-9a-fA-F:]{17}$' }) }), { maxItems: 64 }) }),
    pci_devices: Type.Optional(
      Type.Array(
        Type.Object(
          {
            bus: Type.String({ pattern: '^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$' }),
            vendor_id: Hex(6),
            product_id: Hex(6),
            class: Hex(8),
            revision: Type.Optional(Hex(4)),
            numa_node: Type.Optional(Type.Integer({ minimum: -1, maximum: 1024 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1024 },
      ),
    ),
  },
  { additionalProperties: true },
);

/**
 * The ramdisk endpoints as a Fastify plugin, to be registered inside the
 * Ironic-compatible API plugin (mounted at /baremetal), so they answer at
 * `/baremetal/v1/lookup` and `/baremetal/v1/heartbeat/{node_ident}` and
 * errors render in that API's format. Both are public: an agent has no
 * Strata token; the heartbeat carries the agent token instead.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { requestedMinor, VERSION_HEADER } from './api-version.js';
import type { AgentService } from './service.js';

const LookupQuery = Type.Object(
  {
    addresses: Type.Optional(Type.String({ maxLength: 4096 })),
    node_uuid: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const HeartbeatParams = Type.Object({ node_ident: Type.String({ minLength: 1, maxLength: 255 }) });

const HeartbeatBody = Type.Object(
  {
    callback_url: Type.String({ minLength: 1, maxLength: 2048 }),
    agent_version: Type.Optional(Type.String({ maxLength: 255 })),
    agent_token: Type.Optional(Type.String({ maxLength: 255 })),
    agent_verify_ca: Type.Optional(Type.String({ maxLength: 65536 })),
    agent_status: Type.Optional(Type.String({ maxLength: 32 })),
    agent_status_message: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);

/**
 * The minor version the metal API negotiated for this request (it decorates
 * `ironicMinor`), or our own reading of the header when mounted alone.
 */
function minorOf(req: FastifyRequest): number {
  const negotiated = (req as FastifyRequest & { ironicMinor?: unknown }).ironicMinor;
  return typeof negotiated === 'number' ? negotiated : requestedMinor(req.headers[VERSION_HEADER]);
}

/** The service may be created after the plugin (the API is built before the conductor starts). */
export function agentRoutes(service: AgentService | (() => AgentService)): FastifyPluginAsync {
  const get = typeof service === 'function' ? service : () => service;
  return async (app) => {
    app.get<{ Querystring: Static<typeof LookupQuery> }>(
      '/v1/lookup',
      { config: { public: true }, schema: { querystring: LookupQuery } },
      async (req) => get().lookup(req.query, minorOf(req)),
    );
    app.post<{ Body: Static<typeof InspectionBody> }>('/v1/continue_inspection', { config: { public: true }, schema: { body: InspectionBody } }, async (req, reply) => {
      const node = await get().continueInspection(req.body);
      return reply.status(202).send({ uuid: node.uuid });
    });
    app.post<{ Params: Static<typeof HeartbeatParams>; Body: Static<typeof HeartbeatBody> }>(
      '/v1/heartbeat/:node_ident',
      { config: { public: true }, schema: { params: HeartbeatParams, body: HeartbeatBody } },
      async (req, reply) => {
        await get().heartbeat(req.params.node_ident, req.body, minorOf(req));
        return reply.status(202).send();
      },
    );
  };
}
