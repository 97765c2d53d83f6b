// The text of a report, as Zuul writes it on a change: the pipeline's
// message for the outcome, then one line per job with its log, result and
// duration, then the footer.

import type { Build, QueueItem } from '../model.js';
import type { ReportKind } from '../scheduler/types.js';
import type { PipelineMessages } from '../config/index.js';

export type { PipelineMessages };

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m ${String(sec).padStart(2, '0')}s`;
  if (m) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

function substitute(template: string, vars: Record<string, string>): string {
  return template.replace(/\{([a-z_.]+)\}/g, (all, k: string) => vars[k] ?? all);
}

export function jobLines(item: QueueItem, logUrl: (b: Build) => string): string[] {
  const bs = item.buildSet;
  return bs.jobs.map((j) => {
    const b = bs.builds[j.uid];
    const name = item.changes.length > 1 ? `${j.name} (${j.change})` : j.name;
    if (!b || b.result === null) return `- ${name} : NOT RUN`;
    let result: string = b.result;
    if (b.result === 'SUCCESS' && j.successMessage) result = j.successMessage;
    else if (b.result !== 'SUCCESS' && b.result !== 'SKIPPED' && j.failureMessage) result = j.failureMessage;
    const ran = b.startTime !== null && b.endTime !== null;
    const url = ran ? ` ${logUrl(b)}` : '';
    const took = ran ? ` in ${formatDuration(b.endTime! - b.startTime!)}` : '';
    return `- ${name}${url} : ${result}${took}${b.voting ? '' : ' (non-voting)'}`;
  });
}

/** The message of a report; `extra` is a reason (why dequeued, why not merged). */
export function formatReport(opts: {
  kind: ReportKind;
  pipeline: string;
  messages: PipelineMessages;
  item: QueueItem;
  logUrl(b: Build): string;
  statusUrl: string;
  extra?: string;
}): string {
  const { kind, messages, item } = opts;
  const vars = { 'pipeline.name': opts.pipeline, status_url: opts.statusUrl };
  const parts: string[] = [];
  const withJobs = (header: string) => {
    parts.push(`${substitute(header, vars).replace(/\.$/, '')} (${opts.pipeline} pipeline).`);
    const lines = jobLines(item, opts.logUrl);
    if (lines.length) parts.push(lines.join('\n'));
  };
  switch (kind) {
    case 'enqueue':
      if (messages.enqueue) parts.push(substitute(messages.enqueue, vars));
      break;
    case 'start':
      parts.push(substitute(messages.start, vars));
      break;
    case 'success':
      withJobs(messages.success);
      break;
    case 'failure':
    case 'disabled':
      if (opts.extra && item.buildSet.state !== 'ready') parts.push(`${substitute(messages.failure, vars)}`);
      else withJobs(messages.failure);
      break;
    case 'merge-conflict':
      parts.push(item.buildSet.error ?? substitute(messages.mergeConflict, vars));
      break;
    case 'config-error':
      parts.push(item.buildSet.error ?? 'This change has a configuration error.');
      break;
    case 'no-jobs':
      parts.push(substitute(messages.noJobs, vars));
      break;
    case 'dequeue':
      parts.push(substitute(messages.dequeue || 'This change was removed from the {pipeline.name} pipeline.', vars));
      break;
  }
  if (opts.extra) parts.push(opts.extra);
  if (messages.footer) parts.push(substitute(messages.footer, vars));
  return parts.filter(Boolean).join('\n\n');
}
