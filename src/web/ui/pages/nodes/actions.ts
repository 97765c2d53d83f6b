// Which provision verbs the node page offers in which state (a subset of
// Ironic's table in src/metal/states/verbs.ts: the ones an operator starts from a
// stable state). The server checks the full table; this only hides buttons
// that would be refused.
export interface Verb {
  label: string;
  target: string;
}

export const PROVISION_VERBS: Record<string, Verb[]> = {
  enroll: [{ label: 'manage', target: 'manage' }],
  manageable: [{ label: 'provide', target: 'provide' }],
  available: [{ label: 'deploy', target: 'active' }, { label: 'manage', target: 'manage' }],
  active: [{ label: 'undeploy', target: 'deleted' }],
  'deploy failed': [{ label: 'undeploy', target: 'deleted' }, { label: 'deploy', target: 'active' }],
  'clean failed': [{ label: 'manage', target: 'manage' }],
  'inspect failed': [{ label: 'manage', target: 'manage' }],
};
