/**
 * The API's request schemas (TypeBox: schemas that are also types). Bodies
 * are validated strictly, without coercion or silently dropped fields: an
 * unknown field is an error that names it. Deeper checks (quantities, paths,
 * variable names) are the library's validateSpec, which says where.
 */
import { Type, type Static } from '@sinclair/typebox';

const Name = Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 63 });
const Quantity = Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Number({ minimum: 0 })]);
const Strings = Type.Record(Type.String(), Type.String({ maxLength: 131_072 }));
const Path = Type.String({ minLength: 1, maxLength: 4096 });
const Tty = Type.Union([Type.Boolean(), Type.Object({ rows: Type.Integer({ minimum: 1, maximum: 1000 }), cols: Type.Integer({ minimum: 1, maximum: 1000 }) }, { additionalProperties: false })]);

const specFields = {
  runtime: Type.Optional(Name),
  runtimeClass: Type.Optional(Name),
  image: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  memory: Type.Optional(Quantity),
  cpus: Type.Optional(Quantity),
  network: Type.Optional(Type.Boolean()),
  env: Type.Optional(Strings),
  workdir: Type.Optional(Path),
  hostname: Type.Optional(Type.String({ maxLength: 63 })),
  labels: Type.Optional(Strings),
  mounts: Type.Optional(
    Type.Array(Type.Object({ source: Path, target: Path, readOnly: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), { maxItems: 64 }),
  ),
  devices: Type.Optional(
    Type.Array(
      Type.Union([Type.Object({ source: Path, target: Type.Optional(Path) }, { additionalProperties: false }), Type.Object({ pci: Type.String({ maxLength: 16 }) }, { additionalProperties: false })]),
      { maxItems: 64 },
    ),
  ),
  accelerators: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 16 })),
};

const execFields = {
  command: Type.Array(Type.String({ maxLength: 131_072 }), { minItems: 1, maxItems: 4096 }),
  cwd: Type.Optional(Path),
  timeout: Type.Optional(Quantity),
  tty: Type.Optional(Tty),
  stdin: Type.Optional(Type.Boolean()),
};

export const CreateBody = Type.Object({ ...specFields, timeout: Type.Optional(Quantity) }, { additionalProperties: false });
export type CreateBody = Static<typeof CreateBody>;

export const ExecBody = Type.Object({ ...execFields, env: Type.Optional(Strings) }, { additionalProperties: false });
export type ExecBody = Static<typeof ExecBody>;

/** One-shot: the sandbox's spec (its env is the command's) and the command; timeout is the command's. */
export const RunBody = Type.Object({ ...specFields, ...execFields }, { additionalProperties: false });
export type RunBody = Static<typeof RunBody>;

export const SignalBody = Type.Object(
  { signal: Type.Union([Type.String({ pattern: '^SIG[A-Z0-9]+$' }), Type.Integer({ minimum: 1, maximum: 64 })]), group: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export type SignalBody = Static<typeof SignalBody>;

export const ResizeBody = Type.Object({ rows: Type.Integer({ minimum: 1, maximum: 1000 }), cols: Type.Integer({ minimum: 1, maximum: 1000 }) }, { additionalProperties: false });
export type ResizeBody = Static<typeof ResizeBody>;

const Id = Type.String({ maxLength: 64 });
export const SandboxParams = Type.Object({ id: Id });
export const ExecParams = Type.Object({ id: Id, exec: Id });
export type ExecParams = Static<typeof ExecParams>;

const Flag = Type.Union([Type.Literal('true'), Type.Literal('false'), Type.Literal('1'), Type.Literal('0')]);
export const isSet = (v: string | undefined): boolean => v === 'true' || v === '1';

export const ListQuery = Type.Object({ project: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
export const DeleteQuery = Type.Object({ force: Type.Optional(Flag) }, { additionalProperties: false });
export const StdinQuery = Type.Object({ eof: Type.Optional(Flag) }, { additionalProperties: false });
export const FilesQuery = Type.Object(
  {
    path: Path,
    format: Type.Optional(Type.Union([Type.Literal('tar'), Type.Literal('file')])),
    mode: Type.Optional(Type.String({ pattern: '^[0-7]{3,4}$' })),
  },
  { additionalProperties: false },
);
export type FilesQuery = Static<typeof FilesQuery>;
