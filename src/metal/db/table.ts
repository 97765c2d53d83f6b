/**
 * One metal table: typed reads and writes through its codec, keyset paging
 * (Ironic's limit/marker/sort_key/sort_dir) and conditional updates, which
 * are how locks and state moves stay safe across processes.
 */
import { sql, type Expression, type Kysely, type SelectQueryBuilder, type Transaction, type SqlBool } from 'kysely';
import { decode, encode, type Codec } from './codec.js';
import { whereEquals } from '../../core/index.js';

export type Db = Kysely<any> | Transaction<any>;

export const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID_RE.test(s);

export interface SortSpec {
  key: string;
  dir: 'asc' | 'desc';
}

export interface PageRequest {
  limit: number;
  /** The uuid of the last item of the previous page. */
  marker?: string;
  sort: SortSpec;
}

/** What a sortable column's NULLs sort as, so SQLite and PostgreSQL agree on the order and on keyset comparisons. */
export type NullAs = string | number;

export class Table<R extends { id: number; uuid?: string }> {
  constructor(
    readonly name: string,
    readonly codec: Codec,
    /** Sortable columns and what their NULLs sort as; `id` needs none. */
    readonly sortable: Readonly<Record<string, NullAs | null>>,
  ) {}

  decode(row: Record<string, unknown>): R {
    return decode<R>(row, this.codec);
  }

  encode(values: Partial<R>): Record<string, unknown> {
    return encode(values as Record<string, unknown>, this.codec);
  }

  async byId(db: Db, id: number): Promise<R | undefined> {
    const row = await db.selectFrom(this.name).selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.decode(row) : undefined;
  }

  async byUuid(db: Db, uuid: string): Promise<R | undefined> {
    const row = await db.selectFrom(this.name).selectAll().where('uuid', '=', uuid.toLowerCase()).executeTakeFirst();
    return row ? this.decode(row) : undefined;
  }

  /** The row as stored (JSON as text, booleans as 0/1): for renderers that copy stored JSON through. */
  async rawBy(db: Db, column: string, value: unknown): Promise<Record<string, unknown> | undefined> {
    return db.selectFrom(this.name).selectAll().where(column, '=', value).executeTakeFirst();
  }

  async byColumn(db: Db, column: string, value: unknown): Promise<R | undefined> {
    const row = await db.selectFrom(this.name).selectAll().where(column, '=', value).executeTakeFirst();
    return row ? this.decode(row) : undefined;
  }

  /** Inserts and returns the record with its new id. */
  async insert(db: Db, values: Omit<R, 'id'>): Promise<R> {
    const row = await db.insertInto(this.name).values(this.encode(values as Partial<R>)).returningAll().executeTakeFirstOrThrow();
    return this.decode(row);
  }

  /**
   * Updates the row with this id when every `guard` column still holds the
   * given value (null means IS NULL). Returns the new record, or undefined
   * when the guard failed (someone else moved first) or the row is gone.
   */
  async update(db: Db, id: number, changes: Partial<R>, guard: Partial<Record<keyof R & string, unknown>> = {}): Promise<R | undefined> {
    const q = whereEquals(db.updateTable(this.name).set(this.encode(changes)).where('id', '=', id), this.encode(guard as Partial<R>));
    const row = await q.returningAll().executeTakeFirst();
    return row ? this.decode(row) : undefined;
  }

  async delete(db: Db, id: number): Promise<boolean> {
    const res = await db.deleteFrom(this.name).where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  private sortExpr(key: string): Expression<unknown> {
    const nullAs = this.sortable[key];
    const ref = sql.ref(`${this.name}.${key}`);
    return nullAs === null || nullAs === undefined ? ref : sql`coalesce(${ref}, ${nullAs})`;
  }

  /**
   * One page of rows: `where` narrows the query (filters, scoping); rows come
   * in sort order with `id` as the tie-breaker, after the marker's position.
   * The caller has checked `sort.key` against `sortable`.
   */
  async page(
    db: Db,
    where: (q: SelectQueryBuilder<any, any, any>) => SelectQueryBuilder<any, any, any>,
    page: PageRequest,
    markerRow: R | undefined,
    columns?: readonly string[],
  ): Promise<R[]> {
    return (await this.pageRows(db, where, page, markerRow, columns)).map((r) => this.decode(r));
  }

  /** `page` without decoding: the rows as stored. */
  async pageRows(
    db: Db,
    where: (q: SelectQueryBuilder<any, any, any>) => SelectQueryBuilder<any, any, any>,
    page: PageRequest,
    markerRow: R | undefined,
    columns?: readonly string[],
    /** Extra selections (computed columns). */
    extra?: (q: SelectQueryBuilder<any, any, any>) => SelectQueryBuilder<any, any, any>,
  ): Promise<Record<string, unknown>[]> {
    const { key, dir } = page.sort;
    const cmp = dir === 'asc' ? '>' : '<';
    let q = where(db.selectFrom(this.name));
    q = columns ? q.select(columns.map((c) => `${this.name}.${c}`)) : q.selectAll(this.name);
    if (extra) q = extra(q);
    if (markerRow) {
      if (key === 'id') {
        q = q.where(`${this.name}.id`, cmp, markerRow.id);
      } else {
        const raw = (markerRow as Record<string, unknown>)[key];
        const nullAs = this.sortable[key];
        const mv = raw === null || raw === undefined ? nullAs : this.encode({ [key]: raw } as Partial<R>)[key];
        const expr = this.sortExpr(key);
        q = q.where((eb) => eb.or([eb(expr, cmp, mv), eb.and([eb(expr, '=', mv), eb(`${this.name}.id`, cmp, markerRow.id)])]) as Expression<SqlBool>);
      }
    }
    if (key !== 'id') q = q.orderBy(this.sortExpr(key) as any, dir);
    q = q.orderBy(`${this.name}.id`, dir).limit(page.limit);
    return q.execute();
  }
}
