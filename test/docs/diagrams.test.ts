import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pages } from '../../scripts/diagrams.js';

const dir = fileURLToPath(new URL('../../docs/state-machines/', import.meta.url));

test('docs/state-machines is generated from the current tables (run `npm run diagrams`)', async () => {
  for (const [file, text] of await pages()) {
    const path = join(dir, file);
    assert.ok(existsSync(path), `${file} is missing`);
    assert.equal(readFileSync(path, 'utf8'), text, `${file} is stale`);
  }
});
