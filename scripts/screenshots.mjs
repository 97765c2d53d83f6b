#!/usr/bin/env node
// Regenerates docs/screenshots/*.png: builds what is stale (scripts/setup.mjs),
// then runs the dashboard's browser test, which writes a viewport-sized
// screenshot of each page there when STRATA_DOCS_SCREENSHOTS=1 (and a full
// page of each into dist/test-screenshots on every run).
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const step = (args, env = process.env) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
step(['scripts/setup.mjs']);
step(['scripts/test.mjs', 'test/e2e/web-dashboard'], { ...process.env, STRATA_DOCS_SCREENSHOTS: '1' });
process.stderr.write('screenshots: docs/screenshots/ regenerated\n');
