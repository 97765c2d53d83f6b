/**
 * The store's guard on state columns: a Kysely plugin that refuses an UPDATE
 * of a column bound to a machine (persistState) unless state-writes.ts issues
 * it, and an INSERT that writes a value the machine does not declare. Raw SQL
 * is checked too. It turns "every state change goes through its table" from a
 * convention into a property every test exercises.
 */
import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { StrataError } from '../errors/index.js';
import { boundMachine, isStateWriter } from './state-writes.js';

export class StateWriteRefused extends StrataError {
  constructor(message: string) {
    super(message, { code: 'state_write_refused', status: 500 });
  }
}

const nameOf = (n: OperationNode | undefined): string | undefined => {
  const x = n as any;
  if (!x) return undefined;
  if (x.kind === 'AliasNode') return nameOf(x.node);
  if (x.kind === 'TableNode') return x.table.identifier.name;
  if (x.kind === 'ColumnNode') return x.column.name;
  if (x.kind === 'ReferenceNode') return nameOf(x.column);
  return undefined;
};

function checkUpdate(node: any): void {
  const table = nameOf(node.table);
  if (!table) return;
  for (const u of node.updates ?? []) {
    const column = nameOf(u.column);
    const pm = column && boundMachine(table, column);
    if (pm) throw new StateWriteRefused(`${table}.${column} is ${pm.machine.spec.name}'s state: move it with moveState, not a plain UPDATE`);
  }
}

function checkInsert(node: any): void {
  const table = nameOf(node.into);
  if (!table || !node.columns || node.values?.kind !== 'ValuesNode') return;
  node.columns.forEach((c: OperationNode, i: number) => {
    const column = nameOf(c);
    const pm = column && boundMachine(table, column);
    if (!pm) return;
    for (const list of node.values.values) {
      const v = list.kind === 'PrimitiveValueListNode' ? list.values[i] : list.values?.[i]?.value;
      if (typeof v === 'string' && !pm.machine.isState(v)) {
        throw new StateWriteRefused(`${table}.${column}: "${v}" is not a state of ${pm.machine.spec.name}`);
      }
    }
  });
}

const RAW_UPDATE = /\bupdate\s+"?(\w+)"?\s+set\s+([\s\S]*?)(?:\bwhere\b|\breturning\b|$)/gi;

function checkRaw(node: any): void {
  const text: string = node.sqlFragments.join('?');
  for (const m of text.matchAll(RAW_UPDATE)) {
    for (const a of m[2]!.matchAll(/"?(\w+)"?\s*=/g)) {
      const pm = boundMachine(m[1]!, a[1]!);
      if (pm) throw new StateWriteRefused(`${m[1]}.${a[1]} is ${pm.machine.spec.name}'s state: move it with moveState, not raw SQL`);
    }
  }
}

export class StateGuard implements KyselyPlugin {
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (!isStateWriter()) {
      if (node.kind === 'UpdateQueryNode') checkUpdate(node);
      else if (node.kind === 'InsertQueryNode') checkInsert(node);
      else if ((node as OperationNode).kind === 'RawNode') checkRaw(node);
    }
    return node;
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}
