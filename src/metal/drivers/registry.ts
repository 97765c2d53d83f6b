/**
 * The driver registry: hardware types plus the interface implementations this
 * process can run, and the composition of a node's driver from both (Ironic's
 * driver_factory). It answers what the API needs about drivers:
 * `GET /v1/drivers[/{name}[/properties]]` and `GET /v1/nodes/{id}/validate`.
 */
import { NotFoundError } from '../../core/errors/index.js';
import { DriverError } from './errors.js';
import type { HardwareType } from './hardware-types.js';
import {
  INTERFACE_KINDS,
  type AnyInterface,
  type ComposedDriver,
  type DriverContext,
  type DriverNode,
  type InterfaceByKind,
  type InterfaceKind,
  type PropertySpec,
} from './types.js';

export interface ValidationResult {
  result: boolean;
  reason: string | null;
}

export interface DriverDetail {
  name: string;
  description: string;
  /** `default_<kind>_interface` */
  defaults: Record<InterfaceKind, string | null>;
  /** `enabled_<kind>_interfaces` */
  enabled: Record<InterfaceKind, string[]>;
}

export interface RegistryOptions {
  /**
   * Restricts which implementations are enabled per kind (Ironic's
   * `enabled_<kind>_interfaces`); a kind left out enables everything registered.
   */
  enabled?: Partial<Record<InterfaceKind, readonly string[]>>;
}

export class DriverRegistry {
  private readonly types = new Map<string, HardwareType>();
  private readonly impls = new Map<string, AnyInterface>();

  constructor(private readonly opts: RegistryOptions = {}) {}

  registerHardwareType(hw: HardwareType): this {
    this.types.set(hw.name, hw);
    return this;
  }

  /** Adds an implementation; a later one with the same kind and name replaces the earlier. */
  registerInterface(impl: AnyInterface): this {
    this.impls.set(`${impl.kind}/${impl.name}`, impl);
    return this;
  }

  hardwareTypes(): HardwareType[] {
    return [...this.types.values()];
  }

  hardwareType(name: string): HardwareType {
    const hw = this.types.get(name);
    if (!hw) throw new NotFoundError(`Could not find the following driver(s) or hardware type(s): ${name}.`, { driver: name });
    return hw;
  }

  implementation<K extends InterfaceKind>(kind: K, name: string): InterfaceByKind[K] | undefined {
    return this.impls.get(`${kind}/${name}`) as InterfaceByKind[K] | undefined;
  }

  private isEnabled(kind: InterfaceKind, name: string): boolean {
    const allow = this.opts.enabled?.[kind];
    return this.impls.has(`${kind}/${name}`) && (!allow || allow.includes(name));
  }

  /** Implementations of `kind` a node of this hardware type may choose, in priority order. */
  enabledInterfaces(hwName: string, kind: InterfaceKind): string[] {
    const hw = this.hardwareType(hwName);
    const listed = hw.supported[kind].filter((n) => this.isEnabled(kind, n));
    if (!hw.acceptsAnyImplementation) return listed;
    const others = [...this.impls.values()].filter((i) => i.kind === kind && !listed.includes(i.name) && this.isEnabled(kind, i.name)).map((i) => i.name);
    return [...listed, ...others];
  }

  defaultInterface(hwName: string, kind: InterfaceKind): string | null {
    return this.enabledInterfaces(hwName, kind)[0] ?? null;
  }

  detail(hwName: string): DriverDetail {
    const hw = this.hardwareType(hwName);
    const defaults = {} as Record<InterfaceKind, string | null>;
    const enabled = {} as Record<InterfaceKind, string[]>;
    for (const kind of INTERFACE_KINDS) {
      enabled[kind] = this.enabledInterfaces(hwName, kind);
      defaults[kind] = enabled[kind][0] ?? null;
    }
    return { name: hw.name, description: hw.description, defaults, enabled };
  }

  /**
   * Checks a node's interface choices (on create or PATCH): each named
   * implementation must be enabled for its hardware type. Throws DriverError
   * `invalid-parameter` naming the kind and what is allowed.
   */
  checkInterfaces(node: Pick<DriverNode, 'driver' | 'interfaces'>): void {
    for (const kind of INTERFACE_KINDS) {
      const chosen = node.interfaces?.[kind];
      if (!chosen) continue;
      const enabled = this.enabledInterfaces(node.driver, kind);
      if (!enabled.includes(chosen)) {
        throw new DriverError(
          'invalid-parameter',
          `Interface "${chosen}" of kind ${kind} is not supported by hardware type ${node.driver} or not enabled (enabled: ${enabled.join(', ') || 'none'})`,
          { details: { kind, interface: chosen } },
        );
      }
    }
  }

  /**
   * The node's driver: its chosen implementation per kind, or the default.
   * A kind with nothing enabled gets a stand-in that fails validation and
   * every call with an `unsupported` DriverError, so the rest of the node
   * (power, say) keeps working.
   */
  compose(node: Pick<DriverNode, 'driver' | 'interfaces'>): ComposedDriver {
    this.checkInterfaces(node);
    const out: Record<string, AnyInterface> = {};
    for (const kind of INTERFACE_KINDS) {
      const name = node.interfaces?.[kind] || this.defaultInterface(node.driver, kind);
      out[kind] = (name && this.implementation(kind, name)) || missingInterface(kind, node.driver, this.hardwareType(node.driver).supported[kind]);
    }
    return { hardwareType: node.driver, ...(out as { [K in InterfaceKind]: InterfaceByKind[K] }) };
  }

  /** The driver_info keys of the hardware type's default interfaces, with their specs. */
  propertySpecs(hwName: string): Record<string, PropertySpec> {
    const driver = this.compose({ driver: hwName });
    const specs: Record<string, PropertySpec> = {};
    for (const kind of INTERFACE_KINDS) Object.assign(specs, driver[kind].properties());
    return specs;
  }

  /** `GET /v1/drivers/{name}/properties`: key → description. */
  properties(hwName: string): Record<string, string> {
    return Object.fromEntries(Object.entries(this.propertySpecs(hwName)).map(([k, s]) => [k, s.description]));
  }

  /** driver_info keys to mask in responses and logs, over every registered implementation. */
  secretKeys(): Set<string> {
    const keys = new Set<string>();
    for (const impl of this.impls.values()) {
      for (const [k, s] of Object.entries(impl.properties())) if (s.secret) keys.add(k);
    }
    return keys;
  }

  /** `GET /v1/nodes/{id}/validate`: every interface but vendor, each with result and reason. */
  async validate(ctx: DriverContext): Promise<Record<Exclude<InterfaceKind, 'vendor'>, ValidationResult>> {
    const driver = this.compose(ctx.node);
    const out = {} as Record<Exclude<InterfaceKind, 'vendor'>, ValidationResult>;
    for (const kind of INTERFACE_KINDS) {
      if (kind === 'vendor') continue;
      try {
        await driver[kind].validate(ctx);
        out[kind] = { result: true, reason: null };
      } catch (err) {
        out[kind] = { result: false, reason: err instanceof Error ? err.message : String(err) };
      }
    }
    return out;
  }
}

function missingInterface<K extends InterfaceKind>(kind: K, hw: string, supported: readonly string[]): InterfaceByKind[K] {
  const fail = () => {
    throw new DriverError(
      'unsupported',
      `No ${kind} interface is enabled for hardware type ${hw}` + (supported.length ? ` (it supports: ${supported.join(', ')})` : ''),
      { details: { interface: kind } },
    );
  };
  const base = { kind, name: '', properties: () => ({}), validate: fail };
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver);
      if (prop === 'then') return undefined;
      return async () => fail();
    },
  }) as unknown as InterfaceByKind[K];
}

