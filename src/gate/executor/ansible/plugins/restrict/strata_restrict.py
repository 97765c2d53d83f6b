# Zuul's restrictions on untrusted playbooks: their code runs on the nodes,
# never on the executor. Enabled (by the executor's ansible.cfg) only for
# untrusted playbooks; loading it patches, before any task runs, every way
# Ansible runs code or reads files on the controller: the local connection
# (delegate_to: localhost, connection: local, local_action, whatever alias
# names it), command-running lookups, and file lookups outside the work dir.
from __future__ import annotations

DOCUMENTATION = '''
name: strata_restrict
type: aggregate
short_description: refuse executor-local code in untrusted playbooks
description: Patches Ansible so that untrusted playbooks cannot run code or read files on the executor.
'''

import os

from ansible.errors import AnsibleError
from ansible.plugins.callback import CallbackBase

PROHIBITED = 'Executing local code is prohibited'


def _refuse(*args, **kwargs):
    raise AnsibleError(PROHIBITED)


LOCAL_LOOKUPS = ('pipe', 'lines')


def _short(plugin):
    name = getattr(plugin, 'ansible_name', None) or getattr(plugin, '_load_name', '') or ''
    return name.rsplit('.', 1)[-1]


def _patch():
    from ansible.plugins import loader
    from ansible.plugins.connection import local
    for name in ('_connect', 'exec_command', 'put_file', 'fetch_file'):
        setattr(local.Connection, name, _refuse)
    work = os.path.realpath(os.environ.get('STRATA_WORK_ROOT', '/nonexistent'))

    def file_run(original):
        def run(self, terms, variables=None, **kwargs):
            for t in terms:
                p = self.find_file_in_search_path(variables, 'files', t, ignore_missing=True)
                if p and not (os.path.realpath(p) + '/').startswith(work + '/'):
                    raise AnsibleError('Accessing files from outside the working dir %s is prohibited' % work)
            return original(self, terms, variables, **kwargs)
        return run

    # Every name a lookup is reached by (pipe, ansible.builtin.pipe, a
    # redirect) goes through the loader: check what it resolved to.
    get = loader.lookup_loader.get

    def lookup_get(name, *args, **kwargs):
        plugin = get(name, *args, **kwargs)
        short = _short(plugin) if plugin is not None else ''
        if short in LOCAL_LOOKUPS:
            plugin.run = _refuse
        elif short == 'file':
            plugin.run = file_run(type(plugin).run).__get__(plugin)
        return plugin
    loader.lookup_loader.get = lookup_get

    # copy, template, script, unarchive, include_vars… find their local files through _find_needle.
    from ansible.plugins.action import ActionBase
    find = ActionBase._find_needle

    def find_needle(self, dirname, needle):
        path = find(self, dirname, needle)
        if not (os.path.realpath(path) + '/').startswith(work + '/'):
            raise AnsibleError('Accessing files from outside the working dir %s is prohibited' % work)
        return path
    ActionBase._find_needle = find_needle

    cget = loader.connection_loader.get

    def connection_get(name, *args, **kwargs):
        conn = cget(name, *args, **kwargs)
        if conn is not None and (_short(conn) == 'local' or isinstance(conn, local.Connection)):
            for n in ('_connect', 'exec_command', 'put_file', 'fetch_file'):
                setattr(conn, n, _refuse)
        return conn
    loader.connection_loader.get = connection_get


_patch()


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'strata_restrict'
    CALLBACK_NEEDS_ENABLED = True
