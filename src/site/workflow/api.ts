/**
 * The Shipyard-compatible API at /shipyard/api/v1.0: configdocs and their
 * commit, actions with their steps, logs and controls, site statuses; and
 * Strata's additions, the plan and the drift report. Errors answer with
 * Shipyard's Status document.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { classify, InvalidInputError, NotFoundError } from '../../core/index.js';
import { deckhandYamlDump } from '../api/index.js';
import type { DeckhandService } from '../api/index.js';
import type { ActionStore } from './action-store.js';
import { CommitRefused, type BufferMode, type ConfigDocs, type Version } from './configdocs.js';
import type { WorkflowEngine } from './engine.js';
import { formatPlan } from './plan.js';
import { validationStatus } from './validation.js';
import { actionView, stepView } from './views.js';
import type { MachinePort } from './ports.js';
import type { DriftMonitor } from './drift-monitor.js';

export const SHIPYARD_PREFIX = '/shipyard';
const V1 = '/api/v1.0';
const YAML_TYPES = ['application/x-yaml', 'application/yaml', 'text/yaml', 'text/plain'];

export interface ShipyardDeps {
  configdocs: ConfigDocs;
  deckhand: DeckhandService;
  engine: WorkflowEngine;
  actions: ActionStore;
  machines: MachinePort;
  drift: DriftMonitor;
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

function status(code: number, message: string, details: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1.0',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    reason: code < 400 ? 'Success' : (STATUS_CODES[code] ?? 'Error'),
    details: { errorList: code < 400 ? [] : [{ message }], errorCount: code < 400 ? 0 : 1, errorType: 'ApiError', ...details },
    code: `${code} ${STATUS_CODES[code] ?? ''}`.trim(),
  };
}

const truthy = (v: string | undefined) => v !== undefined && ['true', '1', 'yes'].includes(v.toLowerCase());

function yaml(reply: FastifyReply, code: number, docs: unknown[]): FastifyReply {
  return reply.status(code).header('content-type', 'application/x-yaml').send(docs.length ? deckhandYamlDump(docs) : '');
}

export function shipyardPlugin(deps: ShipyardDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.setErrorHandler((err, req, reply) => {
      if (err instanceof CommitRefused) return reply.status(400).send(err.report);
      const e = classify(err);
      if (e.status >= 500) req.log.error({ err }, 'shipyard request failed');
      return reply.status(e.status).send(status(e.status, e.message));
    });
    app.setNotFoundHandler((req, reply) => reply.status(404).send(status(404, `${req.method} ${req.url.split('?')[0]} is not a Shipyard resource`)));

    app.get(`${V1}/health`, { config: { public: true } }, async (_req, reply) => reply.status(204).send());

    // ---- configdocs ----------------------------------------------------
    app.post(`${V1}/configdocs/:collection`, async (req: FastifyRequest, reply) => {
      const { collection } = req.params as Params;
      const q = req.query as Query;
      const text = typeof req.body === 'string' ? req.body : req.body === undefined || req.body === null ? '' : JSON.stringify(req.body);
      const mode = (q.buffermode ?? 'rejectoncontents').toLowerCase() as BufferMode;
      const out = await deps.configdocs.put(collection, text, mode, req.principal);
      reply.header('location', `${SHIPYARD_PREFIX}${V1}/configdocs/${encodeURIComponent(collection)}`);
      return reply.status(201).send({ ...status(201, `collection ${collection} added to the buffer (revision ${out.revision})`), details: { messageList: [], errorCount: 0, revision: out.revision, collections: out.status } });
    });
    app.get(`${V1}/configdocs/:collection`, async (req, reply) => {
      const q = req.query as Query;
      const docs = await deps.configdocs.get((req.params as Params).collection, (q.version ?? 'buffer') as Version, req.principal, truthy(q['cleartext-secrets']));
      return yaml(reply, 200, docs);
    });
    app.get(`${V1}/configdocs`, async () => deps.configdocs.status());
    app.get(`${V1}/renderedconfigdocs`, async (req, reply) => {
      const q = req.query as Query;
      const version = (q.version ?? 'buffer') as Version;
      const rev = await deps.configdocs.revisionOf(version);
      if (rev === undefined) throw new NotFoundError(`no ${version} version of the configdocs exists`);
      return yaml(reply, 200, await deps.deckhand.renderedDocuments(rev, truthy(q['cleartext-secrets']) ? { 'cleartext-secrets': ['true'] } : {}, req.principal));
    });
    app.post(`${V1}/commitconfigdocs`, async (req) => {
      const q = req.query as Query;
      return deps.configdocs.commit({ force: truthy(q.force), dryrun: truthy(q.dryrun) });
    });

    // ---- actions -------------------------------------------------------
    app.get(`${V1}/actions`, async () => {
      const out = [];
      for (const a of await deps.actions.list()) out.push(actionView(a, await deps.actions.steps(a.id)));
      return out;
    });
    app.post(`${V1}/actions`, async (req, reply) => {
      const body = (req.body ?? {}) as { name?: unknown; parameters?: unknown };
      if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidInputError('the body must be a JSON object {"name": …, "parameters": {…}}');
      const parameters = body.parameters ?? {};
      if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) throw new InvalidInputError('parameters must be a JSON object');
      if (truthy((req.query as Query).dryrun)) {
        const { revision, plan } = await deps.engine.plan();
        return reply.status(200).send({ name: body.name, dryrun: true, committed_rev_id: revision, plan, table: formatPlan(plan) });
      }
      const a = await deps.engine.create(body.name, parameters as Record<string, unknown>, req.principal, { allowIntermediateCommits: truthy((req.query as Query)['allow-intermediate-commits']) });
      reply.header('location', `${SHIPYARD_PREFIX}${V1}/actions/${a.id}`);
      return reply.status(201).send(actionView(a, await deps.actions.steps(a.id)));
    });
    app.get(`${V1}/actions/:id`, async (req) => {
      const a = await deps.actions.get((req.params as Params).id);
      return actionView(a, await deps.actions.steps(a.id));
    });
    app.get(`${V1}/actions/:id/steps/:step`, async (req) => {
      const p = req.params as Params;
      const a = await deps.actions.get(p.id);
      return stepView(a, await deps.actions.step(a.id, p.step));
    });
    app.get(`${V1}/actions/:id/steps/:step/logs`, async (req, reply) => {
      const p = req.params as Params;
      const s = await deps.actions.step(p.id, p.step);
      return reply.header('content-type', 'text/plain; charset=utf-8').send(s.log);
    });
    app.post(`${V1}/actions/:id/control/:verb`, async (req, reply) => {
      const p = req.params as Params;
      await deps.engine.control(p.id, p.verb, req.principal);
      return reply.status(202).send();
    });
    const validation = async (req: FastifyRequest) => {
      const p = req.params as Params;
      const a = await deps.actions.get(p.id);
      if (p.validation !== 'site-design') throw new NotFoundError(`action ${a.id} has no validation ${p.validation} (it has site-design)`);
      return validationStatus(await deps.configdocs.validateRevision(a.revisionId), `revision ${a.revisionId}`);
    };
    app.get(`${V1}/actions/:id/validations/:validation`, validation);
    app.get(`${V1}/actions/:id/validationdetails/:validation`, validation);

    // ---- site ----------------------------------------------------------
    app.get(`${V1}/site_statuses`, async (req) => {
      const filters = ((req.query as Query).filters ?? 'nodes-provision-status,machines-power-state').split(',').map((f) => f.trim());
      const bad = filters.filter((f) => f !== 'nodes-provision-status' && f !== 'machines-power-state');
      if (bad.length) throw new InvalidInputError(`filters: unknown ${bad.join(', ')} (known: nodes-provision-status, machines-power-state)`);
      const nodes = await deps.machines.list();
      return {
        ...(filters.includes('nodes-provision-status') ? { 'nodes-provision-status': nodes.map((n) => ({ hostname: n.name, status: n.provisionState })) } : {}),
        ...(filters.includes('machines-power-state') ? { 'machines-power-state': nodes.map((n) => ({ hostname: n.name, power_state: n.powerState === 'power on' ? 'On' : n.powerState === 'power off' ? 'Off' : n.powerState })) } : {}),
      };
    });
    app.get(`${V1}/plan`, async () => {
      const { revision, plan } = await deps.engine.plan();
      return { committed_rev_id: revision, plan, table: formatPlan(plan) };
    });
    // ?cached=true: the last periodic check; otherwise a check now
    app.get(`${V1}/drift`, async (req) => (truthy((req.query as Query).cached) ? deps.drift.report() : deps.drift.check()));
  };
}
