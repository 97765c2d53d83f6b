import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentSteps, nextStepIndex, planDeploySteps, sortSteps, validateUserSteps, type DeployStep } from './steps.js';

const offered: DeployStep[] = [
  { interface: 'deploy', step: 'deploy', priority: 100 },
  { interface: 'deploy', step: 'write_image', priority: 80 },
  { interface: 'deploy', step: 'prepare_instance_boot', priority: 60 },
  { interface: 'bios', step: 'apply_configuration', priority: 0, argsinfo: { settings: { description: 'BIOS settings', required: true } } },
  { interface: 'management', step: 'set_boot', priority: 60 },
  { interface: 'deploy', step: 'erase', priority: 0, argsinfo: { force: {} } },
];

test('sorting: priority, then interface priority (power > management > deploy > bios > raid), then given order', () => {
  const ids = sortSteps(offered).map((s) => `${s.interface}.${s.step}`);
  assert.deepEqual(ids.slice(0, 4), ['deploy.deploy', 'deploy.write_image', 'management.set_boot', 'deploy.prepare_instance_boot']);
});

test('the plan: driver steps with priority > 0, user steps enable, re-order or disable them', () => {
  assert.deepEqual(
    planDeploySteps({ offered }).map((s) => `${s.step}@${s.priority}`),
    ['deploy@100', 'write_image@80', 'set_boot@60', 'prepare_instance_boot@60'],
  );
  const plan = planDeploySteps({
    offered,
    user: [
      { interface: 'bios', step: 'apply_configuration', priority: 90, args: { settings: [{ name: 'x', value: '1' }] } },
      { interface: 'management', step: 'set_boot', priority: 0 },
    ],
    templates: [
      { interface: 'deploy', step: 'erase', priority: 70, args: { force: true } },
      { interface: 'bios', step: 'apply_configuration', priority: 10, args: { settings: [] } },
    ],
  });
  assert.deepEqual(plan.map((s) => `${s.interface}.${s.step}@${s.priority}`), [
    'deploy.deploy@100',
    'bios.apply_configuration@90',
    'deploy.write_image@80',
    'deploy.erase@70',
    'deploy.prepare_instance_boot@60',
  ]);
  assert.deepEqual(plan[1].args, { settings: [{ name: 'x', value: '1' }] }, 'the user step wins over the template');
});

test('user steps are checked, with every problem in one error', () => {
  assert.throws(
    () =>
      validateUserSteps(
        [
          { interface: 'deploy', step: 'nope', priority: 10 },
          { interface: 'bios', step: 'apply_configuration', priority: 10, args: { bogus: 1 } },
          { interface: 'deploy', step: 'deploy', priority: 50 },
          { interface: 'deploy', step: 'erase', priority: -1 },
        ],
        offered,
      ),
    (err: Error) => {
      for (const part of ['does not support this deploy step: deploy.nope', 'unexpected arguments: bogus', 'missing these required arguments: settings (BIOS settings)', 'core step', 'invalid priority']) {
        assert.ok(err.message.includes(part), `${part} in ${err.message}`);
      }
      return true;
    },
  );
  assert.throws(() => validateUserSteps([{ interface: 'deploy', step: 'erase', priority: 1 }, { interface: 'deploy', step: 'erase', priority: 2 }], offered), /Duplicate deploy steps for deploy.erase/);
  assert.deepEqual(validateUserSteps([{ interface: 'deploy', step: 'deploy', priority: 0 }], offered).length, 1, 'the core step may be disabled');
  assert.deepEqual(validateUserSteps([{ interface: 'raid', step: 'later', priority: 5 }], offered, { skipMissing: true }), [], 'unknown steps wait for the agent');
});

test('walking the plan by index', () => {
  const plan = [1, 2, 3];
  assert.equal(nextStepIndex(plan, null), 0);
  assert.equal(nextStepIndex(plan, 0), 1);
  assert.equal(nextStepIndex(plan, 1, false), 1);
  assert.equal(nextStepIndex(plan, 2), null);
  assert.equal(nextStepIndex([], undefined), null);
});

test('agent steps: flattened over hardware managers, the first listing wins', () => {
  const steps = agentSteps(
    {
      deploy_steps: {
        SpecialHardwareManager: [{ interface: 'deploy', step: 'write_image', priority: 85, argsinfo: { image_info: { required: true } } }],
        GenericHardwareManager: [
          { interface: 'deploy', step: 'write_image', priority: 80 },
          { interface: 'deploy', step: 'erase_devices_metadata', priority: 0 },
          { bogus: true },
        ],
      },
      hardware_manager_version: { generic_hardware_manager: '1.1' },
    },
    'deploy',
  );
  assert.deepEqual(steps.map((s) => `${s.step}@${s.priority}`), ['write_image@85', 'erase_devices_metadata@0']);
  assert.deepEqual(agentSteps(null, 'deploy'), []);
  assert.deepEqual(agentSteps({ clean_steps: 'x' }, 'clean'), []);
});
