import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadKernelDeb, parseCandidate, parseKernelDepends } from './debian-kernel.js';

test('apt-cache output: the ABI package the metapackage depends on, and its candidate version', () => {
  assert.equal(parseKernelDepends('linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n'), 'linux-image-6.1.0-56-amd64');
  assert.throws(() => parseKernelDepends('linux-image-amd64\n  Depends: <linux-image-virtual>\n'), /names no linux-image-<abi>-amd64 package .*run apt-get update/);
  const policy = 'linux-image-6.1.0-56-amd64:\n  Installed: (none)\n  Candidate: 6.1.192-2\n  Version table:\n     6.1.192-2 500\n';
  assert.equal(parseCandidate(policy, 'linux-image-6.1.0-56-amd64'), '6.1.192-2');
  assert.throws(() => parseCandidate('x:\n  Installed: (none)\n  Candidate: (none)\n', 'x'), /apt has no candidate version of x \(run apt-get update\)/);
});

test('a .deb already in the shared folder is used without asking apt; other versions and names are not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'debs-'));
  try {
    const have = join(dir, 'linux-image-6.1.0-56-amd64_6.1.192-2_amd64.deb');
    writeFileSync(have, 'not really a deb');
    writeFileSync(join(dir, 'linux-image-6.1.0-56-amd64_6.1.192-1_amd64.deb'), 'an older build');
    // PATH without apt-get: a download attempt would fail
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      assert.equal(await downloadKernelDeb({ name: 'linux-image-6.1.0-56-amd64', version: '6.1.192-2' }, { dir }), have);
      await assert.rejects(downloadKernelDeb({ name: 'linux-image-6.1.0-57-amd64', version: '6.1.192-2' }, { dir }), /apt-get: not installed/);
    } finally {
      process.env.PATH = path;
    }
    assert.deepEqual(readdirSync(dir).sort(), ['linux-image-6.1.0-56-amd64_6.1.192-1_amd64.deb', 'linux-image-6.1.0-56-amd64_6.1.192-2_amd64.deb'], 'a failed download leaves nothing');
    await assert.rejects(downloadKernelDeb({ name: 'busybox', version: '1' }, { dir }), /not a kernel package name/);
    await assert.rejects(downloadKernelDeb({ name: 'linux-image-x', version: '1 2' }, { dir }), /not a Debian version/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
