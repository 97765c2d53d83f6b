/**
 * The agent's own vocabulary. Which provision states the ramdisk endpoints
 * serve and what a heartbeat does in each are columns of the provision
 * table (../states.ts: `lookup`, `heartbeat`).
 */

/** Ironic's agent_status values (API 1.72, sent by anaconda-style ramdisks). */
export const AGENT_STATUSES = ['start', 'end', 'error'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
