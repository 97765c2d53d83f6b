// A short table (tens of rows: profiles, alarms, subclouds), fully rendered;
// long lists use VirtualTable. Same columns type, a caption for screen
// readers, and a line saying so when it is empty.
import type { Column } from './virtual-table.tsx';

export function PlainTable<T>(props: { caption: string; rows: T[]; columns: Column<T>[]; rowKey: (r: T) => string; empty: string; testId?: string }) {
  if (props.rows.length === 0) return <p data-testid={props.testId}>{props.empty}</p>;
  return (
    <table class="plain" data-testid={props.testId}>
      <caption class="sr-only">{props.caption}</caption>
      <thead><tr>{props.columns.map((c) => <th scope="col">{c.title}</th>)}</tr></thead>
      <tbody>{props.rows.map((r) => <tr key={props.rowKey(r)}>{props.columns.map((c) => <td>{c.cell(r)}</td>)}</tr>)}</tbody>
    </table>
  );
}
