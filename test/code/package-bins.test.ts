// Every bin the package declares is built and executable, as the tools that
// run it by path need (podman and containerd exec strata-runtime; npm links
// strata). A clean `npm test` builds through scripts/setup.mjs, not `npm run
// build`, so this checks what setup left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/strata.js';

test('each package bin is built, starts with a node shebang and is executable', () => {
  const bins = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).bin as Record<string, string>;
  assert.ok(Object.keys(bins).length > 0);
  for (const [name, path] of Object.entries(bins)) {
    const file = join(REPO, path);
    assert.match(readFileSync(file, 'utf8').split('\n')[0]!, /^#!\/usr\/bin\/env node/, `${name}: ${path} has no shebang`);
    assert.doesNotThrow(() => accessSync(file, constants.X_OK), `${name}: ${path} is not executable`);
  }
});
