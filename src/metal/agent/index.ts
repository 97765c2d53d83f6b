/**
 * The ironic-python-agent-compatible side of metal: the ramdisk endpoints
 * (lookup, heartbeat) with agent tokens, the conductor→agent command
 * client, deploy steps with priorities, and the agent that runs inside
 * Strata's deploy ramdisk.
 */
export { AgentService, checkCallbackUrl, DEFAULT_AGENT_CONFIG, type AgentConfig, type HeartbeatBody, type LookupResponse } from './service.js';
export { agentRoutes } from './routes.js';
export type { AgentNodeStore, AgentNodeView, HeartbeatReceiver, VerifiedHeartbeat } from './ports.js';
export { DbAgentNodeStore, agentView } from './db-store.js';
export { ConductorHeartbeatReceiver, type ConductorHeartbeatReceiverDeps } from './conductor-receiver.js';
export { AgentClient, AgentError, commandError, type AgentClientOptions, type AgentErrorKind, type AgentTarget, type CommandResult, type CommandStatus } from './client.js';
export { AGENT_STATUSES, type AgentStatus } from './states.js';
export { LOOKUP_ALLOWED_STATES, heartbeatAction, type HeartbeatAction } from '../states/index.js';
export {
  TOKEN_KEY,
  AGENT_SESSION_KEYS,
  agentTokenMatches,
  generateAgentToken,
  hasAgentToken,
  maskAgentToken,
  openAgentToken,
  wipeAgentSession,
} from './token.js';
export {
  agentSteps,
  nextStepIndex,
  planDeploySteps,
  sortSteps,
  stepId,
  validateUserSteps,
  CLEANING_INTERFACE_PRIORITY,
  DEPLOYING_INTERFACE_PRIORITY,
  type ArgInfo,
  type DeployStep,
  type UserDeployStep,
} from './steps.js';
export { AGENT_PORT, AGENT_VERSION } from './ramdisk/agent-scripts.js';
