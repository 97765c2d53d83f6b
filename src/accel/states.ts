/**
 * The accelerator request (ARQ) lifecycle as one table, with Cyborg's state
 * names (cyborg/common/constants.py ARQ_STATES), so `openstack accelerator
 * arq list` reads the same here as against Cyborg. Every write of an ARQ's
 * state goes through core's moveState. Bitstream images have a table of
 * their own (Glance's `queued` until their data is in, then `active`).
 */
import { defineMachine, persistState, type MachineSpec } from '../core/index.js';

export type ArqState = 'Initial' | 'BindStarted' | 'Bound' | 'Unbound' | 'BindFailed' | 'UnbindFailed' | 'Deleting';
export type ArqEvent = 'bind' | 'bound' | 'fail' | 'unbind' | 'unbind_fail' | 'delete';

export const arqSpec: MachineSpec<ArqState, ArqEvent> = {
  name: 'accel-arq',
  initial: 'Initial',
  states: {
    Initial: { stable: true, description: 'created from a device profile group; holds no device' },
    BindStarted: { stable: false, description: 'a device is reserved and being prepared (programmed when the profile names a bitstream)' },
    Bound: { stable: true, description: 'the device is attached to its instance (a sandbox or a node)' },
    Unbound: { stable: true, description: 'released; may be bound again' },
    BindFailed: { stable: true, description: 'binding failed; the device was released and the reason recorded' },
    UnbindFailed: { stable: true, description: 'the device could not be detached cleanly; only deleting is left' },
    Deleting: { stable: false, description: 'being deleted; its device is released' },
  },
  transitions: [
    { from: 'Initial', event: 'bind', to: 'BindStarted', why: 'a bind names an instance; a fitting deployable is reserved' },
    { from: 'Unbound', event: 'bind', to: 'BindStarted', why: 'an unbound request may be bound again' },
    { from: 'BindFailed', event: 'bind', to: 'BindStarted', why: 'a failed bind may be retried' },
    { from: 'BindStarted', event: 'bound', to: 'Bound', why: 'the device is ready (programmed where asked)' },
    { from: 'BindStarted', event: 'fail', to: 'BindFailed', why: 'programming or attaching failed; the reservation is released' },
    { from: 'BindStarted', event: 'unbind', to: 'Unbound', why: 'the instance went away before the bind finished (takeover after a crash)' },
    { from: 'Bound', event: 'unbind', to: 'Unbound', why: 'the instance released it, was removed, or died' },
    { from: 'Bound', event: 'unbind_fail', to: 'UnbindFailed', why: 'detaching failed; the device stays held until deleted' },
    { from: 'Initial', event: 'delete', to: 'Deleting', why: 'deleted before use' },
    { from: 'Unbound', event: 'delete', to: 'Deleting', why: 'deleted after use' },
    { from: 'BindFailed', event: 'delete', to: 'Deleting', why: 'deleted after a failed bind' },
    { from: 'UnbindFailed', event: 'delete', to: 'Deleting', why: 'deleting is the way out of a failed unbind' },
    { from: 'Bound', event: 'delete', to: 'Deleting', why: 'Cyborg lets a bound ARQ be deleted: its device is released first' },
  ],
};

export const arqMachine = defineMachine(arqSpec);
/** Where ARQ states are kept: every write goes through core's moveState. */
export const arqState = persistState(arqMachine, { table: 'accel_arqs', column: 'state', key: 'uuid' });

export type ImageStatus = 'queued' | 'active';

export const imageSpec: MachineSpec<ImageStatus, 'upload'> = {
  name: 'accel-image',
  initial: 'queued',
  states: {
    queued: { stable: true, description: 'created; no data yet' },
    active: { stable: true, description: 'its data is in, with the size and sha256 it was checked against' },
  },
  transitions: [{ from: 'queued', event: 'upload', to: 'active', why: 'the data arrived whole and matched the declared sha256' }],
};
export const imageMachine = defineMachine(imageSpec);
export const imageState = persistState(imageMachine, { table: 'accel_images', column: 'status', key: 'uuid' });

/** States in which an ARQ holds a deployable's capacity. */
export const HOLDS_DEVICE: readonly ArqState[] = ['BindStarted', 'Bound', 'UnbindFailed'];
