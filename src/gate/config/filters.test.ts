import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchEvent, pipelineAccepts, pipelineTriggerFor, type ChangeState } from './filters.js';
import type { ChangeEventFilter } from './model.js';
import { BASE_CONFIG, loadMemory, repo, simpleTenant } from '../../../test/helpers/gate/config.js';

const PIPELINES = `
- pipeline:
    name: gated
    manager: dependent
    require:
      local:
        open: true
        current-patchset: true
        approval:
          - Verified: [1, 2]
            username: ^ci$
          - Workflow: 1
    reject:
      local:
        approval:
          - Code-Review: -2
    trigger:
      local:
        - event: comment-added
          approval:
            - Workflow: 1
        - event: comment-added
          comment: (?i)^(Patch Set [0-9]+:)?\\s*recheck
          username:
            regex: ^ci$
            negate: true
        - event: ref-updated
          ref: ^refs/heads/.*$
        - event: comment-added
          require:
            approval:
              - Verified: -1
                newer-than: 1h
`;

async function pipeline() {
  const loaded = await loadMemory(simpleTenant(), { 'org/config': repo({ 'zuul.yaml': BASE_CONFIG + PIPELINES }) });
  assert.deepEqual(loaded.layout.errors.errors, []);
  return loaded.layout.pipelines.get('gated')!;
}

const now = 1_700_000_000;
const approved: ChangeState = {
  isChange: true, open: true, currentPatchset: true,
  approvals: [{ label: 'Verified', value: 1, by: { username: 'ci' } }, { label: 'Workflow', value: 1, by: { username: 'core' } }],
};

describe('event and requirement matching', () => {
  it('matches comment-added with an approval, and recheck comments', async () => {
    const p = await pipeline();
    const [approval, recheck, refUpdated, recent] = p.triggers as ChangeEventFilter[];
    const ev = { connection: 'local', type: 'comment-added', approvals: [{ label: 'Workflow', value: 1 }], account: { username: 'core' } };
    assert.equal(matchEvent(approval, ev, approved, now).matches, true);
    assert.equal(matchEvent(approval, { ...ev, approvals: [{ label: 'Workflow', value: 0 }] }, approved, now).matches, false);
    assert.equal(matchEvent(approval, { ...ev, connection: 'other' }, approved, now).matches, false);
    assert.equal(matchEvent(recheck, { connection: 'local', type: 'comment-added', comment: 'Patch Set 2:\n\nrecheck', account: { username: 'dev' } }, approved, now).matches, true);
    assert.equal(matchEvent(recheck, { connection: 'local', type: 'comment-added', comment: 'recheck', account: { username: 'ci' } }, approved, now).matches, false,
      'negated username regex');
    assert.equal(matchEvent(recheck, { connection: 'local', type: 'comment-added', comment: 'looks good' }, approved, now).matches, false);
    assert.equal(matchEvent(refUpdated, { connection: 'local', type: 'ref-updated', ref: 'refs/heads/master', newrev: 'a'.repeat(40) }, { isChange: false }, now).matches, true);
    assert.equal(matchEvent(refUpdated, { connection: 'local', type: 'ref-updated', ref: 'refs/heads/master', newrev: '0'.repeat(40) }, { isChange: false }, now).matches, false,
      'deletions are ignored');
    const vote = (grantedOn: number): ChangeState => ({ isChange: true, approvals: [{ label: 'Verified', value: -1, grantedOn }] });
    assert.equal(matchEvent(recent, { connection: 'local', type: 'comment-added' }, vote(now - 600), now).matches, true);
    assert.equal(matchEvent(recent, { connection: 'local', type: 'comment-added' }, vote(now - 7200), now).matches, false);
    assert.equal(pipelineTriggerFor(p, ev, approved, now), approval);
  });

  it('applies pipeline require and reject', async () => {
    const p = await pipeline();
    assert.deepEqual(pipelineAccepts(p, 'local', approved, now), { matches: true });
    assert.equal(pipelineAccepts(p, 'local', { ...approved, open: false }, now).matches, false);
    const byHuman: ChangeState = { ...approved, approvals: [{ label: 'Verified', value: 1, by: { username: 'someone' } }, { label: 'Workflow', value: 1 }] };
    assert.match(pipelineAccepts(p, 'local', byHuman, now).reason!, /Required approval/);
    const blocked: ChangeState = { ...approved, approvals: [...approved.approvals!, { label: 'Code-Review', value: -2 }] };
    assert.match(pipelineAccepts(p, 'local', blocked, now).reason!, /Reject approval/);
    assert.equal(pipelineAccepts(p, 'local', { isChange: false }, now).matches, false);
  });
});
