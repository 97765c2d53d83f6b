import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { killGroup } from './kill-group.js';

test('killGroup ends a detached command and what it started; a process without a group only with orProcess', async () => {
  const leader = spawn('/bin/sh', ['-c', 'sleep 30 & sleep 30; wait'], { detached: true, stdio: 'ignore' });
  await once(leader, 'spawn');
  killGroup(leader.pid!, 'SIGKILL');
  const [, signal] = await once(leader, 'exit');
  assert.equal(signal, 'SIGKILL');
  assert.throws(() => process.kill(-leader.pid!, 0), /ESRCH/, 'the whole group is gone');

  const member = spawn('sleep', ['30'], { stdio: 'ignore' }); // in this process's group, not its own
  await once(member, 'spawn');
  killGroup(member.pid!, 'SIGTERM');
  assert.equal(member.exitCode, null);
  killGroup(member.pid!, 'SIGTERM', { orProcess: true });
  const [, memberSignal] = await once(member, 'exit');
  assert.equal(memberSignal, 'SIGTERM');
});
