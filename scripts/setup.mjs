#!/usr/bin/env node
// Makes a fresh clone ready: npm dependencies when missing or stale, the
// compiled build when sources changed, and (with --test, as root) the Debian
// packages the tests need. Idempotent and quiet when there is nothing to do.
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const forTests = process.argv.includes('--test');
const say = (m) => process.stderr.write(`setup: ${m}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    say(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  say(`Node.js >= 20 is required (this is ${process.version})`);
  process.exit(1);
}

// 1. Debian packages (tests only, root only: CI runs as root on a fresh machine).
if (forTests && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  const wanted = readFileSync(join(root, 'scripts/system-packages.txt'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  const missing = wanted.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return !r.stdout?.includes('install ok installed');
  });
  if (missing.length) {
    say(`installing Debian packages: ${missing.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update', '-q'], { env });
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  }
}

// 2. npm dependencies.
const stamp = join(root, 'node_modules/.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(stamp) || statSync(lock).mtimeMs > statSync(stamp).mtimeMs) {
  say('installing npm dependencies (better-sqlite3 compiles from source: about 90 s)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 3. Build, when any source is newer than the last build.
function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}
const built = join(root, 'dist/.build-stamp');
const sourcesAt = Math.max(newest(join(root, 'src')), statSync(join(root, 'tsconfig.build.json')).mtimeMs);
if (!existsSync(built) || Number(readFileSync(built, 'utf8')) < sourcesAt) {
  say('building (tsc)');
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
  // tsc writes 0644; the package's bins are run by path (podman, containerd
  // and conmon exec strata-runtime directly), so they must be executable.
  for (const bin of Object.values(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin)) {
    chmodSync(join(root, bin), 0o755);
  }
  writeFileSync(built, String(sourcesAt));
}

// 3b. The dashboard bundle (Vite), when its sources changed. A failed UI
// build stops setup: `strata server` would then serve the APIs only.
const uiBuilt = join(root, 'dist/web-ui/.build-stamp');
const uiAt = Math.max(newest(join(root, 'src/web/ui')), statSync(join(root, 'src/web/server/sse.ts')).mtimeMs, statSync(lock).mtimeMs);
if (!existsSync(uiBuilt) || Number(readFileSync(uiBuilt, 'utf8')) < uiAt) {
  say('building the dashboard (vite)');
  run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'src/web/ui/vite.config.ts']);
  writeFileSync(uiBuilt, String(uiAt));
}

// 4. Artefacts the tests need that are built from Debian packages (guest kernel, initramfs, agent).
if (forTests) {
  const prepare = join(root, 'dist/sandbox/vm/prepare.js');
  if (existsSync(prepare)) run(process.execPath, [prepare]);
}
