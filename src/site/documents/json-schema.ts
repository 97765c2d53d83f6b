/**
 * A JSON Schema draft-04 validator, as Python's jsonschema.Draft4Validator
 * applies it for Deckhand: the same keywords, `$ref` overriding its
 * siblings, no `format` checks (Deckhand passes no format checker), Python's
 * equality for `enum`/`uniqueItems`, and Python's message wording.
 *
 * Why not Ajv: Ajv 8 does not speak draft-04 (Airship's DataSchemas all
 * declare it), and compiling ~60 schemas costs more start-up than the whole
 * validation does when interpreted.
 */
import type { PathSegment } from './source.js';
import { pythonEquals, pythonRegex, pythonRepr } from './python.js';

export interface SchemaError {
  message: string;
  /** The schema itself is at fault (a $ref to nothing, a pattern JS cannot compile): that part went unchecked. */
  schemaProblem?: boolean;
  /** Where in the instance. */
  path: PathSegment[];
  /** Where in the schema (e.g. ['properties', 'port', 'type']). */
  schemaPath: PathSegment[];
}

type Schema = Record<string, unknown>;

function typeMatches(instance: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return instance !== null && typeof instance === 'object' && !Array.isArray(instance);
    case 'array':
      return Array.isArray(instance);
    case 'string':
      return typeof instance === 'string';
    case 'integer':
      return typeof instance === 'number' && Number.isInteger(instance);
    case 'number':
      return typeof instance === 'number';
    case 'boolean':
      return typeof instance === 'boolean';
    case 'null':
      return instance === null;
    case 'any':
      return true;
    default:
      return false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function resolvePointer(root: Schema, ref: string): Schema | undefined {
  if (ref === '#' || ref === '') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node)) node = node[key];
    else return undefined;
  }
  return isObject(node) ? node : undefined;
}

function extrasMessage(extras: unknown[]): string {
  return `${extras.map((e) => pythonRepr(e)).join(', ')} ${extras.length === 1 ? 'was' : 'were'}`;
}

/** Thrown by a quiet validator at its first failure: anyOf/oneOf/not only need to know whether a branch passes. */
const FAILED = Symbol('failed');

class Draft4 {
  readonly errors: SchemaError[] = [];
  constructor(
    private readonly root: Schema,
    private readonly quiet = false,
  ) {}

  /** Where the validator is, in the instance and in the schema: pushed and popped, copied only into errors. */
  private readonly path: PathSegment[] = [];
  private readonly spath: PathSegment[] = [];

  private error(message: string): void {
    this.errors.push({ message, path: [...this.path], schemaPath: [...this.spath] });
  }

  /** A failure; its message is only built when someone will read it. */
  private fail(message: () => string): void {
    if (this.quiet) throw FAILED;
    this.error(message());
  }

  private schemaProblem(message: string): void {
    this.errors.push({ message, path: [...this.path], schemaPath: [...this.spath], schemaProblem: true });
  }

  /** Validates `instance` (at instance segment `p`, if any) against `schema` (at schema segments `s`). */
  private child(instance: unknown, schema: unknown, p: PathSegment | undefined, ...s: PathSegment[]): void {
    if (p !== undefined) this.path.push(p);
    for (const seg of s) this.spath.push(seg);
    this.validate(instance, schema);
    this.spath.length -= s.length;
    if (p !== undefined) this.path.pop();
  }

  /** Validates into a fresh validator and says whether it passed (for anyOf/oneOf/not). */
  private passes(instance: unknown, schema: unknown): boolean {
    const sub = new Draft4(this.root, true);
    try {
      sub.validate(instance, schema);
    } catch (e) {
      if (e !== FAILED) throw e;
      return false;
    } finally {
      for (const e of sub.errors) {
        if (e.schemaProblem) this.errors.push({ ...e, path: [...this.path, ...e.path], schemaPath: [...this.spath, ...e.schemaPath] });
      }
    }
    return true;
  }

  validate(instance: unknown, schema: unknown): void {
    if (!isObject(schema)) return;
    if (typeof schema.$ref === 'string') {
      const target = resolvePointer(this.root, schema.$ref);
      this.spath.push('$ref');
      // In draft 4 a $ref replaces the rest of its schema object.
      if (!target) this.schemaProblem(`the schema's $ref ${pythonRepr(schema.$ref)} cannot be resolved; this part went unchecked`);
      else this.validate(instance, target);
      this.spath.pop();
      return;
    }
    for (const keyword in schema) {
      this.spath.push(keyword);
      this.keyword(keyword, schema[keyword], schema, instance);
      this.spath.pop();
    }
  }

  private keyword(kw: string, value: unknown, schema: Schema, instance: unknown): void {
    switch (kw) {
      case 'type': {
        if (typeof value === 'string') {
          if (!typeMatches(instance, value)) this.fail(() => `${pythonRepr(instance)} is not of type ${pythonRepr(value)}`);
          return;
        }
        const types = Array.isArray(value) ? value : [value];
        const ok = types.some((t) => (typeof t === 'string' ? typeMatches(instance, t) : this.passes(instance, t)));
        if (!ok) this.fail(() => `${pythonRepr(instance)} is not of type ${types.map((t) => pythonRepr(t)).join(', ')}`);
        return;
      }
      case 'properties': {
        if (!isObject(instance) || !isObject(value)) return;
        for (const prop in value) {
          if (Object.prototype.hasOwnProperty.call(instance, prop)) this.child(instance[prop], value[prop], prop, prop);
        }
        return;
      }
      case 'patternProperties': {
        if (!isObject(instance) || !isObject(value)) return;
        for (const [pattern, sub] of Object.entries(value)) {
          const re = pythonRegex(pattern);
          for (const [k, v] of Object.entries(instance)) if (re?.test(k)) this.child(v, sub, k, pattern);
        }
        return;
      }
      case 'additionalProperties': {
        if (!isObject(instance)) return;
        const props = isObject(schema.properties) ? schema.properties : {};
        const patterns = isObject(schema.patternProperties) ? Object.keys(schema.patternProperties) : [];
        const extras = Object.keys(instance).filter(
          (k) => !Object.prototype.hasOwnProperty.call(props, k) && !patterns.some((p) => pythonRegex(p)?.test(k)),
        );
        if (isObject(value)) {
          for (const k of extras) this.child(instance[k], value, k);
        } else if (value === false && extras.length > 0) {
          const sorted = [...extras].sort();
          if (patterns.length > 0) {
            const verb = sorted.length === 1 ? 'does' : 'do';
            this.fail(
              () =>
                `${sorted.map((e) => pythonRepr(e)).join(', ')} ${verb} not match any of the regexes: ${patterns
                  .sort()
                  .map((p) => pythonRepr(p))
                  .join(', ')}`,
            );
          } else {
            this.fail(() => `Additional properties are not allowed (${extrasMessage(sorted)} unexpected)`);
          }
        }
        return;
      }
      case 'required': {
        if (!isObject(instance) || !Array.isArray(value)) return;
        for (const prop of value) {
          if (!Object.prototype.hasOwnProperty.call(instance, String(prop))) this.fail(() => `${pythonRepr(prop)} is a required property`);
        }
        return;
      }
      case 'minProperties':
        if (isObject(instance) && Object.keys(instance).length < Number(value)) {
          this.fail(() => `${pythonRepr(instance)} does not have enough properties`);
        }
        return;
      case 'maxProperties':
        if (isObject(instance) && Object.keys(instance).length > Number(value)) {
          this.fail(() => `${pythonRepr(instance)} has too many properties`);
        }
        return;
      case 'dependencies': {
        if (!isObject(instance) || !isObject(value)) return;
        for (const [prop, dep] of Object.entries(value)) {
          if (!Object.prototype.hasOwnProperty.call(instance, prop)) continue;
          if (Array.isArray(dep)) {
            for (const each of dep) {
              if (!Object.prototype.hasOwnProperty.call(instance, String(each))) {
                this.fail(() => `${pythonRepr(each)} is a dependency of ${pythonRepr(prop)}`);
              }
            }
          } else {
            this.validate(instance, dep);
          }
        }
        return;
      }
      case 'items': {
        if (!Array.isArray(instance)) return;
        if (Array.isArray(value)) {
          for (let i = 0; i < Math.min(value.length, instance.length); i++) this.child(instance[i], value[i], i, i);
        } else {
          for (let i = 0; i < instance.length; i++) this.child(instance[i], value, i);
        }
        return;
      }
      case 'additionalItems': {
        if (!Array.isArray(instance) || !Array.isArray(schema.items)) return;
        const offset = schema.items.length;
        const rest = instance.slice(offset);
        if (isObject(value)) {
          rest.forEach((item, j) => this.child(item, value, offset + j));
        } else if (value === false && rest.length > 0) {
          this.fail(() => `Additional items are not allowed (${extrasMessage(rest)} unexpected)`);
        }
        return;
      }
      case 'minItems':
        if (Array.isArray(instance) && instance.length < Number(value)) this.fail(() => `${pythonRepr(instance)} is too short`);
        return;
      case 'maxItems':
        if (Array.isArray(instance) && instance.length > Number(value)) this.fail(() => `${pythonRepr(instance)} is too long`);
        return;
      case 'uniqueItems':
        if (value === true && Array.isArray(instance)) {
          const dup = instance.some((x, i) => instance.some((y, j) => j > i && pythonEquals(x, y)));
          if (dup) this.fail(() => `${pythonRepr(instance)} has non-unique elements`);
        }
        return;
      case 'minLength':
        if (typeof instance === 'string' && [...instance].length < Number(value)) this.fail(() => `${pythonRepr(instance)} is too short`);
        return;
      case 'maxLength':
        if (typeof instance === 'string' && [...instance].length > Number(value)) this.fail(() => `${pythonRepr(instance)} is too long`);
        return;
      case 'pattern': {
        if (typeof instance !== 'string' || typeof value !== 'string') return;
        const re = pythonRegex(value);
        if (!re) this.schemaProblem(`the schema's pattern ${pythonRepr(value)} cannot be compiled; it went unchecked`);
        else if (!re.test(instance)) this.fail(() => `${pythonRepr(instance)} does not match ${pythonRepr(value)}`);
        return;
      }
      case 'enum':
        if (Array.isArray(value) && !value.some((v) => pythonEquals(v, instance))) {
          this.fail(() => `${pythonRepr(instance)} is not one of ${pythonRepr(value)}`);
        }
        return;
      case 'minimum': {
        if (typeof instance !== 'number' || typeof value !== 'number') return;
        const exclusive = schema.exclusiveMinimum === true;
        if (exclusive ? instance <= value : instance < value) {
          this.fail(() => `${pythonRepr(instance)} is ${exclusive ? 'less than or equal to' : 'less than'} the minimum of ${pythonRepr(value)}`);
        }
        return;
      }
      case 'maximum': {
        if (typeof instance !== 'number' || typeof value !== 'number') return;
        const exclusive = schema.exclusiveMaximum === true;
        if (exclusive ? instance >= value : instance > value) {
          this.fail(
            () => `${pythonRepr(instance)} is ${exclusive ? 'greater than or equal to' : 'greater than'} the maximum of ${pythonRepr(value)}`,
          );
        }
        return;
      }
      case 'multipleOf':
        if (typeof instance === 'number' && typeof value === 'number' && value !== 0) {
          const q = instance / value;
          if (!Number.isInteger(q) && Math.abs(q - Math.round(q)) > 1e-9) {
            this.fail(() => `${pythonRepr(instance)} is not a multiple of ${pythonRepr(value)}`);
          }
        }
        return;
      case 'allOf':
        if (Array.isArray(value)) value.forEach((sub, i) => this.child(instance, sub, undefined, i));
        return;
      case 'anyOf':
        if (Array.isArray(value) && !value.some((sub) => this.passes(instance, sub))) {
          this.fail(() => `${pythonRepr(instance)} is not valid under any of the given schemas`);
        }
        return;
      case 'oneOf': {
        if (!Array.isArray(value)) return;
        const n = value.filter((sub) => this.passes(instance, sub)).length;
        if (n === 0) this.fail(() => `${pythonRepr(instance)} is not valid under any of the given schemas`);
        else if (n > 1) this.fail(() => `${pythonRepr(instance)} is valid under each of ${n} of the given schemas`);
        return;
      }
      case 'not':
        if (this.passes(instance, value)) this.fail(() => `${pythonRepr(instance)} should not be valid under ${pythonRepr(value)}`);
        return;
      default:
        // $schema, id, title, description, default, definitions, format, …: no assertion.
        return;
    }
  }
}

/** Every way `instance` fails `schema` (draft 4); [] when it is valid. */
export function validateSchema(schema: unknown, instance: unknown): SchemaError[] {
  if (!isObject(schema)) return [];
  const v = new Draft4(schema);
  v.validate(instance, schema);
  return v.errors;
}
