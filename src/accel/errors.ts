/** Errors particular to accelerators, on core's classes so every API maps them. */
import { ConflictError, NotFoundError } from '../core/index.js';

export const noSuch = (what: string, id: string) => new NotFoundError(`${what} ${id} could not be found`, { [what.replace(/ /g, '_')]: id });

export class BindError extends ConflictError {}
