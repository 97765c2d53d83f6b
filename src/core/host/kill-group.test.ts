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
  // the orphaned background sleep goes too (once its new parent reaps it)
  const groupGone = async () => {
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(-leader.pid!, 0);
      } catch {
        return true;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  };
  assert.ok(await groupGone(), 'the whole group is gone');

  const member = spawn('sleep', ['30'], { stdio: 'ignore' }); // in this process's group, not its own
  await once(member, 'spawn');
  killGroup(member.pid!, 'SIGTERM');
  assert.equal(member.exitCode, null);
  killGroup(member.pid!, 'SIGTERM', { orProcess: true });
  const [, memberSignal] = await once(member, 'exit');
  assert.equal(memberSignal, 'SIGTERM');
});
