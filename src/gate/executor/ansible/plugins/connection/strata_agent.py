# Strata's Ansible connection: a node is a sandbox (or host process group)
# the executor holds a session for; Ansible talks to it through the
# executor's node bridge, a Unix socket of the build, one JSON request a
# line: exec a shell command line on the node with stdin, get rc, stdout
# and stderr back. Files move over the same exec (cat), so a node needs no
# SSH server, no keys and no network.
from __future__ import annotations

DOCUMENTATION = '''
name: strata_agent
short_description: run tasks on a Strata node through the executor's node bridge
description:
  - Sends each command to the gate executor over a Unix socket; the executor runs it
    in the node's sandbox through the sandbox agent.
options:
  remote_addr:
    description: the node's name in the build
    vars:
      - name: ansible_host
      - name: inventory_hostname
  socket:
    description: the build's node bridge socket
    env:
      - name: STRATA_NODE_BRIDGE
'''

import base64
import json
import os
import shlex
import socket

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.plugins.connection import ConnectionBase


class Connection(ConnectionBase):
    transport = 'strata_agent'
    has_pipelining = True

    def _connect(self):
        self._connected = True
        return self

    def _request(self, msg):
        path = self.get_option('socket')
        if not path:
            raise AnsibleConnectionFailure('STRATA_NODE_BRIDGE is not set: this connection runs only under the Strata executor')
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            s.sendall(json.dumps(msg).encode() + b'\n')
            buf = b''
            while not buf.endswith(b'\n'):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        except OSError as e:
            raise AnsibleConnectionFailure('node bridge %s: %s' % (path, e))
        finally:
            s.close()
        if not buf:
            raise AnsibleConnectionFailure('node bridge closed the connection')
        r = json.loads(buf)
        if r.get('error'):
            raise AnsibleConnectionFailure('node %s: %s' % (msg.get('node'), r['error']))
        return r

    def _exec(self, cmd, in_data=None):
        r = self._request({
            'op': 'exec', 'node': self.get_option('remote_addr'), 'command': cmd,
            'stdin': base64.b64encode(in_data or b'').decode(),
        })
        return r['rc'], base64.b64decode(r['stdout']), base64.b64decode(r['stderr'])

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
        if isinstance(in_data, str):
            in_data = in_data.encode()
        return self._exec(cmd, in_data)

    def put_file(self, in_path, out_path):
        super(Connection, self).put_file(in_path, out_path)
        with open(in_path, 'rb') as f:
            data = f.read()
        rc, _, err = self._exec('cat > %s' % shlex.quote(out_path), data)
        if rc != 0:
            raise AnsibleError('failed to transfer %s to %s: %s' % (in_path, out_path, err.decode(errors='replace')))

    def fetch_file(self, in_path, out_path):
        super(Connection, self).fetch_file(in_path, out_path)
        # An untrusted playbook writes on the executor only inside the build's directory.
        work = os.environ.get('STRATA_RESTRICT_TO')
        if work and not (os.path.realpath(out_path) + '/').startswith(os.path.realpath(work) + '/'):
            raise AnsibleError('Writing files outside the working dir %s is prohibited' % work)
        rc, out, err = self._exec('cat %s' % shlex.quote(in_path))
        if rc != 0:
            raise AnsibleError('failed to fetch %s: %s' % (in_path, err.decode(errors='replace')))
        with open(out_path, 'wb') as f:
            f.write(out)

    def close(self):
        self._connected = False
