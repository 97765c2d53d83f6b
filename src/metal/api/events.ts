/**
 * External events (API 1.54), after Ironic's event.py: network events are
 * validated and logged (Strata has no Neutron to wait for).
 */
import type { Json } from '../db/records.js';
import { invalidParameter, notFound } from '../conductor/errors.js';
import { ctx, type Routes } from './deps.js';
import { requireBody } from './collection.js';
import { checkSchema, normalizeMac, UUID_STRICT } from './util.js';

export const eventRoutes: Routes = (app, deps) => {
  const admin = { config: { role: 'admin' as const } };

  const EVENTS_SCHEMA = {
    type: 'object',
    properties: {
      events: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: { event: { type: 'string', enum: ['network.bind_port', 'network.unbind_port', 'network.delete_port'] } },
          required: ['event'],
          additionalProperties: true,
        },
      },
    },
    required: ['events'],
    additionalProperties: false,
  };
  const NETWORK_EVENT_SCHEMA = {
    type: 'object',
    properties: {
      event: { type: 'string' },
      port_id: { type: 'string' },
      mac_address: { type: 'string' },
      status: { type: 'string' },
      device_id: { type: ['string', 'null'] },
      'binding:host_id': { type: ['string', 'null'] },
      'binding:vnic_type': { type: ['string', 'null'] },
    },
    required: ['event', 'port_id', 'mac_address', 'status'],
    additionalProperties: false,
  };

  app.post('/v1/events', admin, async (req, reply) => {
    const x = ctx(req, deps);
    if (x.minor < 54) throw notFound();
    const body = requireBody(req.body, 'events');
    checkSchema('events', EVENTS_SCHEMA, body);
    for (const ev of body.events as Json[]) {
      checkSchema('event', NETWORK_EVENT_SCHEMA, ev);
      if (!UUID_STRICT.test(String(ev.port_id))) throw invalidParameter(`Expected UUID for port_id: ${String(ev.port_id)}`);
      normalizeMac(ev.mac_address);
      for (const k of ['device_id', 'binding:host_id']) {
        if (ev[k] !== undefined && ev[k] !== null && !UUID_STRICT.test(String(ev[k]))) throw invalidParameter(`Expected UUID for ${k}: ${String(ev[k])}`);
      }
    }
    // Strata has no Neutron to wait for: the events are accepted and logged, as Ironic's noop/flat networks do.
    req.log.info({ events: (body.events as Json[]).map((e) => e.event) }, 'external network events received');
    void reply.status(204);
  });

};
