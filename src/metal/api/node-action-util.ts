/** What the node action routes share: version gates, driver errors, 202 answers and the node lock for database-only changes. */
import type { FastifyReply } from 'fastify';
import { DriverError } from '../drivers/index.js';
import type { NodeRecord } from '../db/records.js';
import { invalidParameter, MetalError, notFound } from '../conductor/errors.js';
import type { ApiDeps } from './deps.js';
import type { ApiContext } from './context.js';

export type Body = Record<string, unknown> | undefined;

/** A sub-resource newer than the client's version answers 404, as Ironic's does. */
export const requireMinor = (x: ApiContext, min: number) => {
  if (x.minor < min) throw notFound();
};

/** Driver failures during a synchronous call: bad parameters are 400, the rest keep their status. */
export function driverCall<T>(p: Promise<T>): Promise<T> {
  return p.catch((err) => {
    if (err instanceof DriverError && err.kind === 'unsupported') throw new MetalError(400, 'UnsupportedDriverExtension', err.message);
    if (err instanceof DriverError && err.status === 400) throw invalidParameter(err.message);
    throw err;
  });
}

export function accepted(reply: FastifyReply, x: ApiContext, ident: string, path = 'states'): void {
  void reply.status(202).header('Location', `${x.base}/v1/nodes/${ident}/${path}`);
}

/** A database-only change made under the node lock rule: refused while the node is reserved. */
export async function lockedDb<T>(deps: ApiDeps, node: NodeRecord, fn: () => Promise<T>): Promise<T> {
  return deps.conductor.withLock(node, async () => ({ result: await fn() }));
}
