import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { register } from './cli.js';
import { parseYamlStream } from './documents/index.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function site(): string {
  const root = mkdtempSync(join(tmpdir(), 'strata-site-cli-'));
  dirs.push(root);
  const files: Record<string, string> = {
    'global/policy.yaml': '---\nschema: deckhand/LayeringPolicy/v1\nmetadata: {schema: metadata/Control/v1, name: lp}\ndata: {layerOrder: [global, site]}\n',
    'site/one/site-definition.yaml':
      '---\nschema: pegleg/SiteDefinition/v1\nmetadata: {schema: metadata/Document/v1, name: one, storagePolicy: cleartext, layeringDefinition: {layer: site}}\ndata: {site_type: t}\n',
    'site/one/doc.yaml':
      "---\nschema: ex/Conf/v1\nmetadata:\n  schema: metadata/Document/v1\n  name: conf\n  storagePolicy: cleartext\n  layeringDefinition: {layer: site}\n  substitutions:\n    - {src: {schema: ex/Missing/v1, name: m, path: .}, dest: {path: .x}}\ndata: {mode: 0644, flag: 'yes', list: [on, 'off']}\n",
  };
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), t);
  }
  return root;
}

async function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const program = new Command('strata').option('--json').exitOverride();
  register(program);
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  // The test runner reports over stdout in binary frames: let those through.
  process.stdout.write = ((chunk: unknown, ...rest: never[]) =>
    typeof chunk === 'string' ? ((stdout += chunk), true) : out(chunk as Uint8Array, ...rest)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: never[]) =>
    typeof chunk === 'string' ? ((stderr += chunk), true) : err(chunk as Uint8Array, ...rest)) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'strata', ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return { stdout, stderr };
}

test('register mounts site render, lint and collect, each with --json and the repository options', () => {
  const program = new Command('strata');
  register(program);
  const siteCmd = program.commands.find((c) => c.name() === 'site')!;
  const names = siteCmd.commands.map((c) => c.name());
  assert.deepEqual(names.slice(0, 3), ['render', 'lint', 'collect']);
  for (const c of siteCmd.commands.filter((c) => ['render', 'lint', 'collect'].includes(c.name()))) {
    const flags = c.options.map((o) => o.long);
    for (const f of ['--json', '--repository', '--extra-repository']) assert.ok(flags.includes(f), `${c.name()} ${f}`);
  }
});

test('render prints YAML documents on stdout and warnings on stderr; --json prints one array', async () => {
  const root = site();
  const yaml = await run(['site', 'render', 'one', '-r', root]);
  const docs = parseYamlStream(yaml.stdout, 'out').map((d) => d.value as { metadata: { name: string }; data: unknown });
  const conf = docs.find((d) => d.metadata.name === 'conf')!;
  assert.deepEqual(conf.data, { mode: 420, flag: 'yes', list: [true, 'off'] });
  assert.match(yaml.stdout, /flag: 'yes'/);
  assert.match(yaml.stderr, /warning: .*doc\.yaml:9: Could not find substitution source document \[ex\/Missing\/v1\] m/);
  const json = await run(['site', 'render', 'one', '-r', root, '--json']);
  assert.deepEqual(JSON.parse(json.stdout), docs);
});

test('collect writes one YAML stream per repository', async () => {
  const root = site();
  const outDir = join(root, 'out');
  const r = await run(['site', 'collect', 'one', '-r', root, '-s', outDir, '--json']);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.documents, 3);
  const text = readFileSync(summary.files[0], 'utf8');
  assert.equal(parseYamlStream(text, 'c').length, 3);
});

test('lint prints findings with codes and file:line', async () => {
  const root = site();
  const r = await run(['site', 'lint', 'one', '-r', root, '--json']);
  const findings = JSON.parse(r.stdout) as { code: string; severity: string; line: number }[];
  assert.deepEqual(findings.map((f) => [f.code, f.severity, f.line]), [["P005", "warning", 9]]);
});
