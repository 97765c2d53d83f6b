# Writes what Zuul's zuul_json callback writes for one playbook: its plays,
# each task's result per host, and the stats, to $STRATA_JOB_OUTPUT_JSON.
# The executor collects one such object per playbook into job-output.json.
# Results of no_log tasks arrive here already censored by Ansible.
from __future__ import annotations

DOCUMENTATION = '''
name: strata_json
type: notification
short_description: the playbook's results, in the shape of Zuul's job-output.json
description: Writes the plays, tasks, per-host results and stats of the playbook to $STRATA_JOB_OUTPUT_JSON.
'''

import datetime
import json
import os

from ansible.plugins.callback import CallbackBase


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'strata_json'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.plays = []
        self.task = None

    def v2_playbook_on_play_start(self, play):
        self.plays.append({'play': {'name': play.get_name(), 'id': str(play._uuid), 'duration': {'start': _now()}}, 'tasks': []})

    def _task_start(self, task):
        self._end_task()
        if not self.plays:
            return
        self.task = {'task': {'name': task.get_name(), 'id': str(task._uuid), 'duration': {'start': _now()}}, 'hosts': {}}
        self.plays[-1]['tasks'].append(self.task)

    def _end_task(self):
        if self.task is not None:
            self.task['task']['duration']['end'] = _now()
            self.task = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task)

    def _record(self, result, **flags):
        if self.task is None:
            return
        r = dict(result._result)
        r.pop('_ansible_verbose_always', None)
        r['action'] = result._task.action
        r.update(flags)
        self.task['hosts'][result._host.get_name()] = r

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True, **({'ignore_errors': True} if ignore_errors else {}))

    def v2_runner_on_skipped(self, result):
        self._record(result, skipped=True)

    def v2_runner_on_unreachable(self, result):
        self._record(result, unreachable=True)

    def v2_playbook_on_stats(self, stats):
        self._end_task()
        end = _now()
        for p in self.plays:
            p['play']['duration']['end'] = end
        summary = {}
        for h in sorted(stats.processed.keys()):
            s = stats.summarize(h)
            summary[h] = {k: s.get(k, 0) for k in ('ok', 'changed', 'failures', 'skipped', 'unreachable', 'rescued', 'ignored')}
        path = os.environ.get('STRATA_JOB_OUTPUT_JSON')
        if path:
            with open(path, 'w') as f:
                json.dump({'plays': self.plays, 'stats': summary}, f, default=str)
