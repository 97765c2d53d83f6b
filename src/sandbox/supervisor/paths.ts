import { join } from 'node:path';

/** Where a supervisor keeps its files, all under the server's state dir. */
export function supervisorPaths(stateDir: string, id: string) {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id)) throw new Error(`invalid sandbox id ${JSON.stringify(id)}`);
  const socket = join(stateDir, `${id}.chan`);
  if (Buffer.byteLength(socket) > 107) throw new Error(`sandbox state directory ${stateDir} is too long for its supervisor's unix sockets (at most 107 bytes in all)`);
  return {
    spec: join(stateDir, `${id}.spec.json`),
    socket: join(stateDir, `${id}.sock`),
    /** the agent's stream, relayed (agent-relay.ts) */
    channel: join(stateDir, `${id}.chan`),
    pid: join(stateDir, `${id}.pid`),
    log: join(stateDir, `${id}.log`),
  };
}
