// FM's severities in order, and the count of each in FM's alarm summary
// (whose key is plural for warnings only). Shared by the overview.
export const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function summaryCount(summary: any, severity: Severity): number | undefined {
  const n = summary?.[severity === 'warning' ? 'warnings' : severity];
  return typeof n === 'number' ? n : undefined;
}
