import { StrataError } from './errors/index.js';

/**
 * Instances modules share at run time, by name. Modules are created in the
 * composition root's order, so a module asks for what an earlier one provided.
 */
export class Services {
  private readonly map = new Map<string, unknown>();

  provide<T>(name: string, instance: T): void {
    if (this.map.has(name)) throw new StrataError(`service ${name} is already provided`);
    this.map.set(name, instance);
  }

  get<T>(name: string): T {
    if (!this.map.has(name)) throw new StrataError(`service ${name} is not available (is its module enabled?)`);
    return this.map.get(name) as T;
  }

  maybe<T>(name: string): T | undefined {
    return this.map.get(name) as T | undefined;
  }
}
