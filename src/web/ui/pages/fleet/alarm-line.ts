// One subcloud's alarms in a few words, from dcmanager's per-subcloud
// summary (counts of -1, or no entry: not known, the subcloud is offline).
export function alarmLine(a: { critical_alarms: number; major_alarms: number; minor_alarms: number; warnings: number } | undefined): string {
  if (!a || a.critical_alarms < 0) return 'unknown';
  const parts = ([['critical', a.critical_alarms], ['major', a.major_alarms], ['minor', a.minor_alarms], ['warning', a.warnings]] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}${s === 'warning' && n > 1 ? 's' : ''}`);
  return parts.length ? parts.join(', ') : 'none';
}
