export { AgentClient, type AgentChannel, type AgentExec, type AgentExecRequest, type AgentExecResult, type AgentHello } from './agent-client.js';
export { ensureAgentBinary, AGENT_BINARY } from './agent-build.js';
export { walkHostPath, hostTreeSink, checkEntryPath, type CopyEntry, type CopySink } from './copy-tree.js';
export { signalName, signalNumber } from './signals.js';
export * as protocol from './protocol.js';
