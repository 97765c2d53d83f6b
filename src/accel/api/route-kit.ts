/** What every Cyborg route file shares: the API's dependencies, the shape of a route file, the base URL. */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AccelService } from '../service.js';

export interface AccelApiDeps {
  service: AccelService;
  prefix: string;
  /** what kind of instance a uuid names (a sandbox or a node), for binds */
  instanceKind(uuid: string): Promise<'sandbox' | 'node' | undefined>;
}

export type AccelRoutes = (app: Parameters<FastifyPluginAsync>[0], deps: AccelApiDeps) => void;

export const base = (req: FastifyRequest, prefix: string) => `${req.protocol}://${req.headers.host ?? 'localhost'}${prefix}`;
