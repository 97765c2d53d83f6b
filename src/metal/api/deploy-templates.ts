/**
 * Deploy templates (API 1.55), after Ironic's deploy_template.py: named
 * sets of deploy steps that an instance's traits select.
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../core/index.js';
import { deployTemplates } from '../db/tables.js';
import type { DeployTemplateRecord, Json } from '../db/records.js';
import { isUuid } from '../db/table.js';
import { deployTemplateNotFound, invalidParameter, MetalError, notFound } from '../conductor/errors.js';
import { ctx, type Routes } from './deps.js';
import { checkFields, listResponse, requireBody, shape, type FieldSet } from './collection.js';
import { checkSchema, fieldList, isoTime, selfLinks, UUID_STRICT } from './util.js';
import { applyPatch, checkAllowedFields, parsePatch } from './patch.js';
import type { ApiContext } from './context.js';
import { DEPLOY_STEPS_SCHEMA } from './step-schemas.js';

type Query = Record<string, string | undefined>;

export const TEMPLATE_FIELDS: FieldSet = { all: ['uuid', 'name', 'steps', 'extra', 'created_at', 'updated_at'], min: {}, defaults: ['uuid', 'name'] };

const TEMPLATE_SCHEMA = {
  type: 'object',
  properties: {
    extra: { type: ['object', 'null'] },
    name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Z0-9_]+$' },
    steps: { ...DEPLOY_STEPS_SCHEMA, minItems: 1 },
    uuid: { type: ['string', 'null'] },
  },
  required: ['steps', 'name'],
  additionalProperties: false,
};

function renderTemplates(x: ApiContext, rows: DeployTemplateRecord[], fields?: readonly string[]): Json[] {
  return rows.map((t) =>
    shape(
      { uuid: t.uuid, name: t.name, steps: t.steps, extra: t.extra, created_at: isoTime(t.created_at), updated_at: isoTime(t.updated_at), links: selfLinks(x.base, 'deploy_templates', t.uuid) },
      TEMPLATE_FIELDS,
      x.minor,
      fields,
    ),
  );
}

/** Steps with their priority as a number; duplicates (same interface and step) are refused. */
function normalizeSteps(steps: Json[]): Json[] {
  const seen = new Set<string>();
  const out: Json[] = steps.map((s) => ({ ...s, priority: Number(s.priority) }));
  for (const s of out) {
    const key = `${String(s.interface)}.${String(s.step)}`;
    if (seen.has(key)) throw new MetalError(400, 'InvalidDeployTemplate', `Deploy template invalid: Duplicate deploy steps. A deploy template cannot have two deploy steps with the same interface and step. Duplicate steps: ${key}.`);
    seen.add(key);
  }
  return out;
}

export const deployTemplateRoutes: Routes = (app, deps) => {
  const admin = { config: { role: 'admin' as const } };

  const needTemplates = (x: ApiContext) => {
    if (x.minor < 55) throw notFound();
  };
  const loadTemplate = async (ident: string) => {
    const t = isUuid(ident) ? await deployTemplates.byUuid(deps.db, ident) : await deployTemplates.byColumn(deps.db, 'name', ident);
    if (!t) throw deployTemplateNotFound(ident);
    return t;
  };
  const templateConflict = (err: unknown, name: string, uuid: string): never => {
    if (/name/.test(String((err as Error).message))) throw new MetalError(409, 'DeployTemplateDuplicateName', `A deploy template with name ${name} already exists.`);
    throw new MetalError(409, 'DeployTemplateAlreadyExists', `A deploy template with UUID ${uuid} already exists.`);
  };

  app.get('/v1/deploy_templates', admin, async (req) => {
    const x = ctx(req, deps);
    needTemplates(x);
    return listResponse<DeployTemplateRecord>(deps, x, req.query as Query, {
      resource: 'deploy_templates',
      key: 'deploy_templates',
      set: TEMPLATE_FIELDS,
      table: deployTemplates,
      markerNotFound: deployTemplateNotFound,
      where: (qb) => qb,
      render: async (rows, fields) => renderTemplates(x, rows, fields),
    });
  });
  app.get('/v1/deploy_templates/:ident', admin, async (req) => {
    const x = ctx(req, deps);
    needTemplates(x);
    const fields = fieldList((req.query as Query).fields);
    checkFields(TEMPLATE_FIELDS, fields, x.minor);
    return renderTemplates(x, [await loadTemplate((req.params as { ident: string }).ident)], fields)[0];
  });
  app.post('/v1/deploy_templates', admin, async (req, reply) => {
    const x = ctx(req, deps);
    needTemplates(x);
    const body = requireBody(req.body, 'template');
    checkSchema('template', TEMPLATE_SCHEMA, body);
    if (body.uuid !== undefined && body.uuid !== null && !UUID_STRICT.test(String(body.uuid))) throw invalidParameter(`Expected UUID for uuid: ${String(body.uuid)}`);
    const uuid = ((body.uuid as string | null) ?? randomUUID()).toLowerCase();
    let t: DeployTemplateRecord;
    try {
      t = await deployTemplates.insert(deps.db, {
        uuid,
        name: body.name as string,
        steps: normalizeSteps(body.steps as Json[]),
        extra: (body.extra as Json | null) ?? {},
        created_at: Date.now(),
        updated_at: null,
      });
    } catch (err) {
      if (isUniqueViolation(err)) templateConflict(err, String(body.name), uuid);
      throw err;
    }
    void reply.status(201).header('Location', `${x.base}/v1/deploy_templates/${t.uuid}`);
    return renderTemplates(x, [t])[0];
  });
  app.patch('/v1/deploy_templates/:ident', admin, async (req) => {
    const x = ctx(req, deps);
    needTemplates(x);
    const ops = parsePatch(req.body);
    checkAllowedFields(ops, ['extra', 'name', 'steps']);
    const t = await loadTemplate((req.params as { ident: string }).ident);
    const patched = applyPatch({ name: t.name, steps: t.steps, extra: t.extra }, ops);
    checkSchema('template', TEMPLATE_SCHEMA, patched);
    let updated;
    try {
      updated = await deployTemplates.update(deps.db, t.id, { name: patched.name as string, steps: normalizeSteps(patched.steps as Json[]), extra: (patched.extra as Json | null) ?? {}, updated_at: Date.now() });
    } catch (err) {
      if (isUniqueViolation(err)) templateConflict(err, String(patched.name), t.uuid);
      throw err;
    }
    if (!updated) throw deployTemplateNotFound(t.uuid);
    return renderTemplates(x, [updated])[0];
  });
  app.delete('/v1/deploy_templates/:ident', admin, async (req, reply) => {
    const x = ctx(req, deps);
    needTemplates(x);
    const t = await loadTemplate((req.params as { ident: string }).ident);
    await deployTemplates.delete(deps.db, t.id);
    void reply.status(204);
  });
};
