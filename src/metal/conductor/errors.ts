/**
 * The errors clients of a bare-metal service expect, with Ironic's messages
 * and status codes (ironic/common/exception.py), so `openstack baremetal`
 * prints the same sentence an Ironic user knows.
 */
import { StrataError } from '../../core/index.js';

export class MetalError extends StrataError {
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message, { status, code, details });
  }
}

export const nodeLocked = (node: string, host: string) =>
  new MetalError(409, 'NodeLocked', `Node ${node} is locked by host ${host}, please retry after the current operation is completed.`, { node, host });

export const nodeNotFound = (node: string) => new MetalError(404, 'NodeNotFound', `Node ${node} could not be found.`, { node });
export const portNotFound = (port: string) => new MetalError(404, 'PortNotFound', `Port ${port} could not be found.`);
export const portgroupNotFound = (pg: string) => new MetalError(404, 'PortgroupNotFound', `Portgroup ${pg} could not be found.`);
export const chassisNotFound = (c: string) => new MetalError(404, 'ChassisNotFound', `Chassis ${c} could not be found.`);
export const allocationNotFound = (a: string) => new MetalError(404, 'AllocationNotFound', `Allocation ${a} could not be found.`);
export const conductorNotFound = (c: string) => new MetalError(404, 'ConductorNotFound', `Conductor ${c} could not be found.`);
export const deployTemplateNotFound = (t: string) => new MetalError(404, 'DeployTemplateNotFound', `Deploy template ${t} could not be found.`);
export const volumeConnectorNotFound = (c: string) => new MetalError(404, 'VolumeConnectorNotFound', `Volume connector ${c} could not be found.`);
export const volumeTargetNotFound = (t: string) => new MetalError(404, 'VolumeTargetNotFound', `Volume target ${t} could not be found.`);
export const historyNotFound = (h: string) => new MetalError(404, 'NodeHistoryNotFound', `Node history record ${h} could not be found.`);
export const driverNotFound = (d: string) => new MetalError(404, 'DriverNotFound', `Could not find the following driver(s) or hardware type(s): ${d}.`);
export const notFound = (what = 'Resource could not be found.') => new MetalError(404, 'NotFound', what);

export const invalid = (message: string, details?: Record<string, unknown>) => new MetalError(400, 'Invalid', message, details);
export const invalidParameter = (message: string) => new MetalError(400, 'InvalidParameterValue', message);
export const missingParameter = (message: string) => new MetalError(400, 'MissingParameterValue', message);
export const notAcceptable = (message = 'Request not acceptable.') => new MetalError(406, 'NotAcceptable', message);
export const conflict = (message: string) => new MetalError(409, 'Conflict', message);
export const invalidState = (message: string) => new MetalError(409, 'InvalidState', message);
export const forbidden = (message = 'Access was denied to the following resource: baremetal') => new MetalError(403, 'HTTPForbidden', message);

export const invalidStateRequested = (action: string, node: string, state: string) =>
  new MetalError(400, 'InvalidStateRequested', `The requested action "${action}" can not be performed on node "${node}" while it is in state "${state}".`);

export const nodeInMaintenance = (op: string, node: string) =>
  new MetalError(400, 'NodeInMaintenance', `The ${op} operation can't be performed on node ${node} because it's in maintenance mode.`);

export const nodeAssociated = (node: string, instance: string) => new MetalError(409, 'NodeAssociated', `Node ${node} is associated with instance ${instance}.`);
export const nodeProtected = (node: string) => new MetalError(403, 'NodeProtected', `Node ${node} is protected and cannot be undeployed, rebuilt or deleted`);
export const duplicateName = (name: string) => new MetalError(409, 'DuplicateName', `A node with name ${name} already exists.`);
export const nodeAlreadyExists = (uuid: string) => new MetalError(409, 'NodeAlreadyExists', `A node with UUID ${uuid} already exists.`);
export const instanceAssociated = (instance: string, node: string) =>
  new MetalError(409, 'InstanceAssociated', `Instance ${instance} is already associated with a node, it cannot be associated with this other node ${node}`);
export const macAlreadyExists = (mac: string) => new MetalError(409, 'MACAlreadyExists', `A port with MAC address ${mac} already exists.`);
export const unsupportedDriverExtension = (driver: string, extension: string) =>
  new MetalError(400, 'UnsupportedDriverExtension', `Driver ${driver} does not support ${extension} (disabled or not implemented).`);
export const patchError = (patch: unknown, reason: string) => new MetalError(400, 'PatchError', `Couldn't apply patch '${JSON.stringify(patch)}'. Reason: ${reason}`);
