// A table that renders only the rows in view (fixed row height), so 1,000
// nodes cost a screenful of DOM. It stays a real <table> with a caption and
// aria-rowcount/aria-rowindex, so screen readers know the full size.
import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

export interface Column<T> {
  title: string;
  cell: (row: T) => ComponentChildren;
  width?: string;
}

const ROW = 32;
const OVERSCAN = 8;

export function VirtualTable<T>(props: { caption: string; rows: T[]; columns: Column<T>[]; rowKey: (r: T) => string; height?: number; testId?: string }) {
  const height = props.height ?? 480;
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const count = Math.ceil(height / ROW) + 2 * OVERSCAN;
  const visible = props.rows.slice(first, first + count);
  const cols = props.columns.length;
  return (
    <div class="vt" style={{ height: `${height}px` }} onScroll={(e) => setTop((e.currentTarget as HTMLElement).scrollTop)} tabIndex={0} data-testid={props.testId}>
      <table aria-rowcount={props.rows.length + 1}>
        <caption class="sr-only">{props.caption} ({props.rows.length} rows)</caption>
        <colgroup>{props.columns.map((c) => <col style={c.width ? { width: c.width } : undefined} />)}</colgroup>
        <thead>
          <tr aria-rowindex={1}>{props.columns.map((c) => <th scope="col">{c.title}</th>)}</tr>
        </thead>
        <tbody>
          {first > 0 && <tr aria-hidden="true" style={{ height: `${first * ROW}px` }}><td colSpan={cols} /></tr>}
          {visible.map((r, i) => (
            <tr key={props.rowKey(r)} aria-rowindex={first + i + 2} style={{ height: `${ROW}px` }}>
              {props.columns.map((c) => <td>{c.cell(r)}</td>)}
            </tr>
          ))}
          {first + visible.length < props.rows.length && (
            <tr aria-hidden="true" style={{ height: `${(props.rows.length - first - visible.length) * ROW}px` }}><td colSpan={cols} /></tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
