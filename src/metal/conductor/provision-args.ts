/**
 * The arguments of `PUT /v1/nodes/{id}/states/provision` beside the verb,
 * checked against the verb and the client's microversion as Ironic's API
 * does (pure: no I/O).
 */
import type { Json } from '../db/records.js';
import { invalid, invalidParameter, notAcceptable } from './errors.js';

export interface ProvisionRequest {
  verb: string;
  /** The client's API minor version (1.x). */
  minor: number;
  configdrive?: unknown;
  clean_steps?: unknown[];
  deploy_steps?: unknown[];
  rescue_password?: string;
  disable_ramdisk?: boolean;
}

/** Verbs that deploy an instance (Ironic's do_node_deploy). */
export const isDeployVerb = (verb: string): boolean => verb === 'active' || verb === 'deploy' || verb === 'rebuild';

/** Checks the request's arguments in Ironic's order (the first problem found is the one answered). */
export function checkProvisionArgs(req: ProvisionRequest): void {
  const { verb, minor } = req;
  const deployVerb = isDeployVerb(verb);
  if (req.clean_steps && verb !== 'clean') throw invalid('"clean_steps" is only valid when setting target provision state to clean');
  if (verb === 'clean' && (!req.clean_steps || req.clean_steps.length === 0)) throw invalid('"clean_steps" is required when setting target provision state to clean');
  if (req.rescue_password !== undefined && verb !== 'rescue') throw invalid('"rescue_password" is only valid when setting target provision state to rescue');
  if (verb === 'rescue' && !(typeof req.rescue_password === 'string' && req.rescue_password.trim())) {
    throw invalid('A non-empty "rescue_password" is required when setting target provision state to rescue');
  }
  if (req.configdrive !== undefined && req.configdrive !== null) {
    if (!deployVerb) throw invalidParameter(`You can only specify a config drive when setting the provision state to "active", "deploy" or "rebuild" (requested "${verb}")`);
    if (verb === 'rebuild' && minor < 35) throw notAcceptable('Adding a config drive is only supported when setting provision state to active');
    if (typeof req.configdrive === 'object') {
      if (minor < 56) throw notAcceptable('Building a config drive from a dict needs API version 1.56');
      const cd = req.configdrive as Json;
      const unknown = Object.keys(cd).filter((k) => !['meta_data', 'network_data', 'user_data', 'vendor_data'].includes(k));
      if (unknown.length) throw invalidParameter(`Invalid configdrive format: unexpected keys ${unknown.join(', ')}`);
      if ('vendor_data' in cd && minor < 59) throw notAcceptable('vendor_data in a config drive needs API version 1.59');
    } else if (typeof req.configdrive !== 'string') {
      throw invalidParameter('configdrive must be a gzipped, base64-encoded string, a URL or (from 1.56) an object');
    }
  }
  if (req.deploy_steps !== undefined && req.deploy_steps !== null) {
    if (minor < 69) throw notAcceptable('deploy_steps need API version 1.69');
    if (!deployVerb) throw invalid('"deploy_steps" is only valid when setting target provision state to active or rebuild');
  }
  if (req.disable_ramdisk !== undefined && req.disable_ramdisk !== null) {
    if (minor < 70) throw notAcceptable('disable_ramdisk needs API version 1.70');
    if (verb !== 'clean') throw invalid('"disable_ramdisk" is only valid when setting target provision state to clean');
  }
}

/** The interfaces each verb validates before any work starts, and the message prefix of a failure (Ironic's RPC handlers). */
export const VERB_VALIDATIONS: Record<string, { interfaces: readonly ('power' | 'deploy' | 'boot' | 'inspect' | 'rescue')[]; prefix: (uuid: string) => string }> = {
  active: { interfaces: ['power', 'deploy', 'boot'], prefix: (u) => `RPC do_node_deploy failed to validate deploy or power info for node ${u}.` },
  deploy: { interfaces: ['power', 'deploy', 'boot'], prefix: (u) => `RPC do_node_deploy failed to validate deploy or power info for node ${u}.` },
  rebuild: { interfaces: ['power', 'deploy', 'boot'], prefix: (u) => `RPC do_node_deploy failed to validate deploy or power info for node ${u}.` },
  inspect: { interfaces: ['power', 'inspect'], prefix: () => 'RPC inspect_hardware failed to validate inspection or power info.' },
  clean: { interfaces: ['power'], prefix: (u) => `RPC do_node_clean failed to validate power info. Cannot clean node ${u}.` },
  rescue: { interfaces: ['power', 'rescue'], prefix: (u) => `RPC do_node_rescue failed to validate rescue or power info for node ${u}.` },
  unrescue: { interfaces: ['power', 'rescue'], prefix: (u) => `RPC do_node_unrescue failed to validate rescue or power info for node ${u}.` },
};
