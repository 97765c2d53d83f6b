/**
 * A node's traits (`/v1/nodes/{id}/traits`, API 1.37).
 */
import { addTrait, removeTrait, replaceTraits, traitsOf } from '../db/nodes.js';
import { invalid, invalidParameter, MetalError } from '../conductor/errors.js';
import { ctx, loadNode, type Routes } from './deps.js';
import { checkSchema } from './util.js';
import { TRAITS_SCHEMA } from './node-schema.js';
import { lockedDb, requireMinor } from './node-action-util.js';

export const TRAIT_STANDARD_OR_CUSTOM = /^(CUSTOM_[A-Z0-9_]+|[A-Z][A-Z0-9_]*)$/;

function checkTrait(trait: string): void {
  if (trait.length > 255 || !TRAIT_STANDARD_OR_CUSTOM.test(trait)) {
    throw invalidParameter(`Schema error for trait: '${trait}' is not valid under any of the given schemas`);
  }
}

export const nodeTraitRoutes: Routes = (app, deps) => {
  app.get('/v1/nodes/:ident/traits', async (req) => {
    const x = ctx(req, deps);
    requireMinor(x, 37);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident);
    return { traits: (await traitsOf(deps.db, [node.id])).get(node.id) ?? [] };
  });

  app.put('/v1/nodes/:ident/traits', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 37);
    const body = (req.body ?? {}) as Record<string, unknown>;
    checkSchema('body', TRAITS_SCHEMA, body);
    if (!Array.isArray(body.traits)) {
      throw invalid(
        'A single node trait may be added via PUT /v1/nodes/<node identifier>/traits/<trait> with no body, or all node traits may be replaced via PUT /v1/nodes/<node identifier>/traits with the list of traits specified in the request body.',
      );
    }
    for (const t of body.traits as string[]) checkTrait(t);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident, 'update');
    await lockedDb(deps, node, () => replaceTraits(deps.db, node.id, body.traits as string[]));
    void reply.status(204);
  });

  app.put('/v1/nodes/:ident/traits/:trait', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 37);
    const { ident, trait } = req.params as { ident: string; trait: string };
    if (req.body && typeof req.body === 'object' && Object.keys(req.body).length) throw invalid('No body should be provided when adding a trait');
    checkTrait(trait);
    const node = await loadNode(deps, x, ident, 'update');
    await lockedDb(deps, node, () => addTrait(deps.db, node.id, trait));
    void reply.status(204).header('Location', `${x.base}/v1/nodes/${ident}/traits/${trait}`);
  });

  app.delete('/v1/nodes/:ident/traits', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 37);
    const node = await loadNode(deps, x, (req.params as { ident: string }).ident, 'update');
    await lockedDb(deps, node, () => replaceTraits(deps.db, node.id, []));
    void reply.status(204);
  });

  app.delete('/v1/nodes/:ident/traits/:trait', async (req, reply) => {
    const x = ctx(req, deps);
    requireMinor(x, 37);
    const { ident, trait } = req.params as { ident: string; trait: string };
    const node = await loadNode(deps, x, ident, 'update');
    const removed = await lockedDb(deps, node, () => removeTrait(deps.db, node.id, trait));
    if (!removed) throw new MetalError(404, 'NodeTraitNotFound', `Node ${node.uuid} doesn't have a trait '${trait}'`);
    void reply.status(204);
  });
};
