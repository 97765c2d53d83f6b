import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseAccelerator } from './accelerator.js';

test('KVM only with a usable /dev/kvm and hardware virtualization', () => {
  assert.equal(chooseAccelerator({ kvmDevice: 'ok', cpuFlags: ['fpu', 'vmx'] }).accel, 'kvm');
  assert.equal(chooseAccelerator({ kvmDevice: 'ok', cpuFlags: ['svm'] }).accel, 'kvm');
  assert.match(chooseAccelerator({ kvmDevice: 'ok', cpuFlags: ['fpu'] }).why, /no VMX\/SVM/);
  assert.equal(chooseAccelerator({ kvmDevice: 'missing', cpuFlags: ['vmx'] }).accel, 'tcg');
  assert.match(chooseAccelerator({ kvmDevice: 'EACCES', cpuFlags: ['vmx'] }).why, /EACCES/);
  assert.equal(chooseAccelerator({ kvmDevice: 'missing', cpuFlags: [], override: 'kvm' }).accel, 'kvm');
});
