import type { FaultReporter, TaskRunner } from '../../core/index.js';

/**
 * Alarm 600.003 for durable tasks that fail for good (past their retries),
 * cleared when a later task of the same kind on the same subject succeeds:
 * that is the operator's retry having worked. Instance ids cannot hold `.`,
 * which task kinds use (`metal.deploy`), so it becomes `_`.
 */
export function taskEntity(kind: string, subject: string | null): string {
  const clean = (s: string) => s.replace(/[.=\s]/g, '_');
  return subject ? `task=${clean(kind)}.subject=${clean(subject)}` : `task=${clean(kind)}`;
}

export function watchTasks(tasks: TaskRunner, fm: FaultReporter): void {
  tasks.onTaskFailed((task, error) => {
    void fm.raise({ alarmId: '600.003', entityInstanceId: taskEntity(task.kind, task.subject), reasonText: `Task ${task.kind}${task.subject ? ` on ${task.subject}` : ''} failed after ${task.attempts} attempt(s): ${error}`.slice(0, 1000) }).catch(() => {});
  });
  tasks.onTaskSucceeded((task) => {
    void fm.clear('600.003', taskEntity(task.kind, task.subject)).catch(() => {});
  });
}
