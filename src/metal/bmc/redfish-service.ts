/**
 * The virtual BMC's Redfish service (Fastify): routes, authentication, ETags
 * and Redfish error bodies over Machines. A separate process from the Strata
 * server; `strata bmc serve` starts it.
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { MachineInputError, RESET_TYPES, type MachineRecord, type ResetType } from './machine.js';
import { Machines, UnknownMachineError } from './machines.js';
import * as R from './resources.js';
import { SessionManager, type Account } from './sessions.js';

export interface RedfishServiceOptions {
  machines: Machines;
  account?: Account;
  sessionTimeoutS?: number;
  serviceUuid: string;
  /** TLS certificate and key (PEM); plain HTTP without them. */
  tls?: { cert: Buffer; key: Buffer };
  /** Log each request to stderr. */
  logRequests?: boolean;
}

class RedfishError extends Error {
  constructor(
    readonly status: number,
    readonly messageId: R.MessageId,
    message: string,
    readonly related?: string[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

const notFound = (path: string) => new RedfishError(404, 'ResourceNotFound', `The requested resource ${path} was not found.`);

/** A strong ETag of a representation. */
export const etagOf = (body: unknown) => `"${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 20)}"`;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export function buildRedfishService(opts: RedfishServiceOptions): FastifyInstance {
  // Fastify's typings pick the server type from a literal `https`; this one is decided at run time.
  const app = (Fastify as unknown as (o: object) => FastifyInstance)({ logger: false, https: opts.tls ?? null, bodyLimit: 1024 * 1024 });
  const sessions = new SessionManager(opts.account, opts.sessionTimeoutS ?? 1800);
  const m = opts.machines;

  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new RedfishError(400, 'MalformedJSON', 'The request body submitted was malformed JSON and could not be parsed by the receiving service.'), undefined);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('OData-Version', '4.0');
    reply.header('Cache-Control', 'no-cache');
    if (opts.logRequests) process.stderr.write(`${req.method} ${req.url}\n`);
    if (sessions.open) return;
    const path = req.url.split('?')[0].replace(/\/+$/, '');
    // DSP0266: the service root and session login need no credentials.
    if (path === '/redfish' || path === '/redfish/v1' || path === '/redfish/v1/odata' || path === '/redfish/v1/$metadata') return;
    if (req.method === 'POST' && path === '/redfish/v1/SessionService/Sessions') return;
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string' && sessions.byToken(token)) return;
    if (sessions.checkBasic(req.headers.authorization)) return;
    const why = typeof token === 'string' ? 'The X-Auth-Token is not valid or has expired.' : req.headers.authorization ? 'The user name or password is incorrect.' : 'Authentication is required.';
    throw new RedfishError(401, 'NoValidSession', why, undefined, { 'WWW-Authenticate': 'Basic realm="strata-bmc"' });
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof RedfishError) {
      for (const [k, v] of Object.entries(err.headers ?? {})) reply.header(k, v);
      return reply.code(err.status).send(R.errorBody(err.messageId, err.message, err.related));
    }
    if (err instanceof MachineInputError) {
      return reply.code(400).send(R.errorBody(err.messageId, err.message, [err.property]));
    }
    if (err instanceof UnknownMachineError) return reply.code(404).send(R.errorBody('ResourceNotFound', `The requested system ${err.id} was not found.`));
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send(R.errorBody('GeneralError', (err as Error).message));
    process.stderr.write(`strata bmc: ${_req.method} ${_req.url}: ${(err as Error).stack ?? String(err)}\n`);
    return reply.code(500).send(R.errorBody('InternalError', `The request failed: ${(err as Error).message}`));
  });

  app.setNotFoundHandler((r, reply) => reply.code(404).send(R.errorBody('ResourceNotFound', `The requested resource ${r.url.split('?')[0]} was not found.`)));

  /** Registers one URL; methods it lacks answer 405 with Allow. */
  const route = (url: string, handlers: Partial<Record<Method, Handler>>) => {
    const allow = [...Object.keys(handlers), ...(handlers.GET ? ['HEAD'] : [])].join(', ');
    app.route({
      method: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
      url,
      handler: async (r, reply) => {
        const h = handlers[(r.method === 'HEAD' ? 'GET' : r.method) as Method];
        if (!h) {
          reply.header('Allow', allow);
          throw new RedfishError(405, 'OperationNotAllowed', `${r.method} is not allowed on ${r.url.split('?')[0]} (allowed: ${allow}).`);
        }
        return h(r, reply);
      },
    });
  };

  const machine = async (r: FastifyRequest): Promise<MachineRecord> => {
    const id = (r.params as { id: string }).id;
    const rec = await m.get(id);
    if (!rec) throw notFound(r.url.split('?')[0]);
    return rec;
  };
  const sub = <T>(v: T | undefined, r: FastifyRequest): T => {
    if (v === undefined) throw notFound(r.url.split('?')[0]);
    return v;
  };
  const withEtag = (reply: FastifyReply, body: unknown) => {
    reply.header('ETag', etagOf(body));
    return body;
  };
  const checkIfMatch = (r: FastifyRequest, current: unknown) => {
    const want = r.headers['if-match'];
    if (typeof want !== 'string' || want.trim() === '*') return;
    const have = etagOf(current);
    const tags = want.split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (!tags.includes(have)) throw new RedfishError(412, 'PreconditionFailed', 'The ETag supplied did not match the ETag required to change this resource.');
  };
  const body = (r: FastifyRequest): Record<string, unknown> => {
    const b = r.body;
    if (b === undefined || b === null || typeof b !== 'object' || Array.isArray(b)) throw new RedfishError(400, 'MalformedJSON', 'The request body must be a JSON object.');
    return b as Record<string, unknown>;
  };

  route('/redfish', { GET: async () => ({ v1: '/redfish/v1/' }) });
  route('/redfish/v1', { GET: async () => R.serviceRoot(opts.serviceUuid) });
  route('/redfish/v1/', { GET: async () => R.serviceRoot(opts.serviceUuid) });
  route('/redfish/v1/odata', {
    GET: async () => ({
      '@odata.context': '/redfish/v1/$metadata',
      value: ['Systems', 'Managers', 'Chassis', 'SessionService'].map((n) => ({ name: n, kind: 'Singleton', url: `/redfish/v1/${n}` })),
    }),
  });

  // --- Systems
  route('/redfish/v1/Systems', { GET: async () => R.systemCollection(await m.list()) });
  route('/redfish/v1/Systems/:id', {
    GET: async (r, reply) => {
      const rec = await machine(r);
      return withEtag(reply, R.system(rec, await m.hardware(rec), m.bootModes(rec)));
    },
    PATCH: async (r, reply) => {
      const rec = await machine(r);
      checkIfMatch(r, R.system(rec, await m.hardware(rec), m.bootModes(rec)));
      const b = body(r);
      const known = ['Boot', 'IndicatorLED'];
      const unknown = Object.keys(b).filter((k) => !known.includes(k) && !k.startsWith('@'));
      if (unknown.length) throw new RedfishError(400, 'PropertyNotWritable', `The property ${unknown[0]} is a read only property and cannot be assigned a value.`, unknown);
      if (!known.some((k) => k in b)) throw new RedfishError(400, 'PropertyUnknown', 'PATCH needs Boot or IndicatorLED.');
      let out = rec;
      if (b.Boot !== undefined) {
        if (!b.Boot || typeof b.Boot !== 'object') throw new RedfishError(400, 'PropertyValueTypeError', 'Boot must be an object.', ['Boot']);
        const bp = b.Boot as Record<string, unknown>;
        const allowedKeys = ['BootSourceOverrideTarget', 'BootSourceOverrideEnabled', 'BootSourceOverrideMode'];
        const bad = Object.keys(bp).filter((k) => !allowedKeys.includes(k));
        if (bad.length) throw new RedfishError(400, 'PropertyNotWritable', `The property Boot/${bad[0]} cannot be written.`, bad.map((k) => `Boot/${k}`));
        out = await m.patchBoot(rec.id, bp);
      }
      if (b.IndicatorLED !== undefined) {
        if (!['Off', 'Lit', 'Blinking'].includes(String(b.IndicatorLED))) {
          throw new RedfishError(400, 'PropertyValueNotInList', `The value ${String(b.IndicatorLED)} for the property IndicatorLED is not in the list of acceptable values (Off, Lit, Blinking).`, ['IndicatorLED']);
        }
        out = await m.setIndicator(rec.id, b.IndicatorLED as MachineRecord['indicatorLed']);
      }
      return withEtag(reply, R.system(out, await m.hardware(out), m.bootModes(out)));
    },
  });
  route('/redfish/v1/Systems/:id/Actions/ComputerSystem.Reset', {
    POST: async (r, reply) => {
      const rec = await machine(r);
      const b = body(r);
      if (b.ResetType === undefined) throw new RedfishError(400, 'ActionParameterMissing', 'The action ComputerSystem.Reset requires the parameter ResetType to be present in the request body.', ['ResetType']);
      if (!(RESET_TYPES as readonly unknown[]).includes(b.ResetType)) {
        throw new RedfishError(400, 'ActionParameterNotSupported', `The parameter ResetType=${String(b.ResetType)} is not supported (allowed: ${RESET_TYPES.join(', ')}).`, ['ResetType']);
      }
      await m.reset(rec.id, b.ResetType as ResetType);
      return reply.code(204).send();
    },
  });
  route('/redfish/v1/Systems/:id/Processors', { GET: async (r) => R.processors(await machine(r)) });
  route('/redfish/v1/Systems/:id/Processors/:sub', {
    GET: async (r) => {
      const rec = await machine(r);
      return sub(R.processor(rec, await m.hardware(rec), (r.params as { sub: string }).sub), r);
    },
  });
  route('/redfish/v1/Systems/:id/Memory', { GET: async (r) => R.memoryCollection(await machine(r)) });
  route('/redfish/v1/Systems/:id/Memory/:sub', {
    GET: async (r) => {
      const rec = await machine(r);
      return sub(R.memory(rec, await m.hardware(rec), (r.params as { sub: string }).sub), r);
    },
  });
  route('/redfish/v1/Systems/:id/EthernetInterfaces', {
    GET: async (r) => {
      const rec = await machine(r);
      return R.ethernetInterfaces(rec, await m.hardware(rec));
    },
  });
  route('/redfish/v1/Systems/:id/EthernetInterfaces/:sub', {
    GET: async (r) => {
      const rec = await machine(r);
      return sub(R.ethernetInterface(rec, await m.hardware(rec), (r.params as { sub: string }).sub), r);
    },
  });
  route('/redfish/v1/Systems/:id/SimpleStorage', { GET: async (r) => R.simpleStorageCollection(await machine(r)) });
  route('/redfish/v1/Systems/:id/SimpleStorage/:sub', {
    GET: async (r) => {
      const rec = await machine(r);
      return sub(R.simpleStorage(rec, await m.hardware(rec), (r.params as { sub: string }).sub), r);
    },
  });
  route('/redfish/v1/Systems/:id/Storage', { GET: async (r) => R.storageCollection(await machine(r)) });
  route('/redfish/v1/Systems/:id/Storage/:sub', {
    GET: async (r) => {
      const rec = await machine(r);
      return sub(R.storage(rec, await m.hardware(rec), (r.params as { sub: string }).sub), r);
    },
  });
  route('/redfish/v1/Systems/:id/Storage/:sub/Drives/:item', {
    GET: async (r) => {
      const rec = await machine(r);
      const p = r.params as { sub: string; item: string };
      return sub(R.drive(rec, await m.hardware(rec), p.sub, p.item), r);
    },
  });
  route('/redfish/v1/Systems/:id/Storage/:sub/Volumes', {
    GET: async (r) => {
      const rec = await machine(r);
      return sub(R.volumes(rec, await m.hardware(rec), (r.params as { sub: string }).sub), r);
    },
  });
  route('/redfish/v1/Systems/:id/Storage/:sub/Volumes/:item', {
    GET: async (r) => {
      const rec = await machine(r);
      const p = r.params as { sub: string; item: string };
      return sub(R.volume(rec, await m.hardware(rec), p.sub, p.item), r);
    },
  });
  route('/redfish/v1/Systems/:id/Bios', { GET: async (r, reply) => withEtag(reply, R.bios(await machine(r))) });
  route('/redfish/v1/Systems/:id/Bios/Settings', {
    GET: async (r, reply) => withEtag(reply, R.biosSettings(await machine(r))),
    PATCH: async (r, reply) => {
      const rec = await machine(r);
      checkIfMatch(r, R.biosSettings(rec));
      const b = body(r);
      if (!b.Attributes || typeof b.Attributes !== 'object' || Array.isArray(b.Attributes)) {
        throw new RedfishError(400, 'PropertyValueTypeError', 'PATCH of BIOS settings needs an Attributes object.', ['Attributes']);
      }
      return withEtag(reply, R.biosSettings(await m.stageBios(rec.id, b.Attributes as Record<string, unknown>)));
    },
  });
  route('/redfish/v1/Systems/:id/Bios/Actions/Bios.ResetBios', {
    POST: async (r, reply) => {
      await m.resetBios((await machine(r)).id);
      return reply.code(204).send();
    },
  });

  // --- Managers and Chassis (one of each per system)
  route('/redfish/v1/Managers', { GET: async () => R.managerCollection(await m.list()) });
  route('/redfish/v1/Managers/:id', { GET: async (r) => R.manager(await machine(r)) });
  route('/redfish/v1/Chassis', { GET: async () => R.chassisCollection(await m.list()) });
  route('/redfish/v1/Chassis/:id', { GET: async (r) => R.chassis(await machine(r)) });

  // --- Sessions
  route('/redfish/v1/SessionService', { GET: async () => R.sessionService(sessions.timeoutS) });
  route('/redfish/v1/SessionService/Sessions', {
    GET: async () => R.sessionCollection(sessions.list().map((s) => s.id)),
    POST: async (r, reply) => {
      const b = body(r);
      const missing = ['UserName', 'Password'].filter((k) => typeof b[k] !== 'string');
      if (missing.length) throw new RedfishError(400, 'ActionParameterMissing', `Creating a session requires ${missing.join(' and ')}.`, missing);
      if (!sessions.checkPassword(b.UserName as string, b.Password as string)) {
        throw new RedfishError(401, 'NoValidSession', 'The user name or password is incorrect.');
      }
      const s = sessions.create(b.UserName as string);
      const resource = R.session(s.id, s.user);
      reply.header('X-Auth-Token', s.token);
      reply.header('Location', resource['@odata.id'] as string);
      return reply.code(201).send(resource);
    },
  });
  route('/redfish/v1/SessionService/Sessions/:sid', {
    GET: async (r) => {
      const s = sessions.get((r.params as { sid: string }).sid);
      if (!s) throw notFound(r.url);
      return R.session(s.id, s.user);
    },
    DELETE: async (r, reply) => {
      if (!sessions.delete((r.params as { sid: string }).sid)) throw notFound(r.url);
      return reply.code(204).send();
    },
  });

  return app;
}
