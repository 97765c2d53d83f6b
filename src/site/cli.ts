/**
 * `strata site …`: Pegleg's site commands, run locally (no server):
 *
 *   strata site render SITE -r REPO [-e NAME=REPO]… [--json] [--strict] [--cleartext-secrets]
 *   strata site lint SITE -r REPO [-e NAME=REPO]… [-x CODE]… [-w CODE]…
 *   strata site collect SITE -r REPO [-e NAME=REPO]… [-s DIR]
 *
 * Documents go to stdout; warnings and progress to stderr. Only commander
 * and the small CLI helpers load at start-up: the engine loads inside the
 * action that needs it, because every `strata` call loads this file.
 * (`site upload`, which talks to the server, is added with the revisions API.)
 */
import type { Command } from 'commander';
import type { CliContext } from '../core/cli/index.js';
import { action } from '../core/cli/index.js';
import { registerUpload } from './upload-command.js';
import { registerWorkflow } from './workflow/cli.js';
import type { ServerOption } from '../core/cli/index.js';

import { collectRepeated, withRepositoryOptions, type RepositoryOptions } from './repository-options.js';

/** Assembles the site named on the command line; notes go to stderr. */
export async function assembleFromOptions(ctx: CliContext, site: string, opts: RepositoryOptions, tolerant = false) {
  const { assembleSite } = await import('./collect/index.js');
  const assembled = await assembleSite({
    site,
    repository: opts.repository,
    extraRepositories: opts.extraRepository,
    tolerant,
    onNote: (m) => ctx.info(`strata: ${m}`),
  });
  for (const w of assembled.warnings) ctx.warn(w.message);
  return assembled;
}

function location(source: { file: string; line: number } | undefined): string {
  return source ? `${source.file}:${source.line}: ` : '';
}

interface RenderFlags extends RepositoryOptions {
  json?: boolean;
  strict?: boolean;
  cleartextSecrets?: boolean;
  validate: boolean;
  deckhandDelete?: boolean;
  output?: string;
}

function addRender(site: Command): void {
  withRepositoryOptions(
    site
      .command('render')
      .description('render a site (global + type + site from its repositories) and print its documents')
      .argument('<site>', 'site name (a directory under site/ with a site-definition.yaml)'),
  )
    .option('--json', 'print the documents as one JSON array')
    .option('--strict', 'a missing substitution source is an error, not a warning')
    .option('--cleartext-secrets', 'do not mark documents fed by encrypted secrets encrypted, nor hash their substitution paths')
    .option('--no-validate', 'skip schema validation before and after rendering')
    .option('--deckhand-delete', "reproduce Deckhand's delete action (removes the first equal value, not the one at the path)")
    .option('-o, --output <file>', 'write the documents to a file instead of stdout')
    .action(
      action(async (ctx, siteName: string, flags: RenderFlags) => {
        const assembled = await assembleFromOptions(ctx, siteName, flags);
        const { render } = await import('./render/index.js');
        const { WORKFLOW_DATA_SCHEMAS } = await import('./workflow/schemas.js');
        const result = render(assembled.documents, {
          dataSchemas: [...WORKFLOW_DATA_SCHEMAS],
          failOnMissingSubSrc: Boolean(flags.strict),
          cleartextSecrets: Boolean(flags.cleartextSecrets),
          validate: flags.validate,
          deckhandDelete: Boolean(flags.deckhandDelete),
        });
        for (const w of result.warnings) ctx.warn(`${location(w.source)}${w.message}`);
        let text: string;
        if (flags.json || ctx.json) text = JSON.stringify(result.documents) + '\n';
        else {
          const { dumpYamlStream } = await import('./documents/index.js');
          text = dumpYamlStream(result.documents);
        }
        if (flags.output) {
          const { writeFile } = await import('node:fs/promises');
          await writeFile(flags.output, text);
        } else process.stdout.write(text);
      }),
    );
}

interface LintFlags extends RepositoryOptions {
  json?: boolean;
  strict?: boolean;
  exclude: string[];
  warn: string[];
}

function addLint(site: Command): void {
  withRepositoryOptions(
    site
      .command('lint')
      .description("check a site's files and documents (Pegleg's checks P001-P009) and that it renders")
      .argument('<site>', 'site name'),
  )
    .option('--json', 'print the findings as a JSON array')
    .option('--strict', 'a missing substitution source is an error (P005)')
    .option('-x, --exclude <code>', 'skip a check, e.g. P001 (repeatable)', collectRepeated, [])
    .option('-w, --warn <code>', 'report a check as a warning only (repeatable)', collectRepeated, [])
    .action(
      action(async (ctx, siteName: string, flags: LintFlags) => {
        const assembled = await assembleFromOptions(ctx, siteName, flags, true);
        const { lintSite } = await import('./collect/index.js');
        const { WORKFLOW_DATA_SCHEMAS } = await import('./workflow/schemas.js');
        const findings = lintSite(assembled, { dataSchemas: WORKFLOW_DATA_SCHEMAS, exclude: flags.exclude, warn: flags.warn, failOnMissingSubSrc: Boolean(flags.strict) });
        const errors = findings.filter((f) => f.severity === 'error').length;
        if (flags.json || ctx.json) process.stdout.write(JSON.stringify(findings, null, 2) + '\n');
        else {
          for (const f of findings) {
            const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : '';
            process.stdout.write(`${f.code} ${f.severity}: ${where}${f.message}\n`);
          }
        }
        if (errors > 0) {
          throw Object.assign(new Error(`site ${siteName}: lint found ${errors} error(s)`), { exitCode: 1 });
        }
        ctx.info(`strata: site ${siteName}: lint passed (${findings.length} warning(s), ${assembled.files.length} files)`);
      }),
    );
}

interface CollectFlags extends RepositoryOptions {
  json?: boolean;
  saveLocation?: string;
}

function addCollect(site: Command): void {
  withRepositoryOptions(
    site
      .command('collect')
      .description("write a site's files, unrendered, as one YAML stream per repository")
      .argument('<site>', 'site name'),
  )
    .option('--json', 'print the collected documents as one JSON array (or, with -s, the files written)')
    .option('-s, --save-location <dir>', 'write <dir>/<repository>.yaml for each repository instead of stdout')
    .action(
      action(async (ctx, siteName: string, flags: CollectFlags) => {
        const assembled = await assembleFromOptions(ctx, siteName, flags);
        const { collectByRepository, writeCollected } = await import('./collect/index.js');
        const json = flags.json || ctx.json;
        if (flags.saveLocation) {
          const files = await writeCollected(assembled, flags.saveLocation);
          if (json) process.stdout.write(JSON.stringify({ site: siteName, files, documents: assembled.documents.length }) + '\n');
          else process.stdout.write(files.join('\n') + '\n');
          return;
        }
        if (json) process.stdout.write(JSON.stringify(assembled.documents) + '\n');
        else process.stdout.write([...collectByRepository(assembled).values()].join(''));
      }),
    );
}

/** Mounts `strata site` and its subcommands on the program. */
export function register(program: Command): void {
  const site = program.command('site').description('site documents: render, lint, collect and upload sites (Deckhand/Pegleg-compatible)');
  addRender(site);
  addLint(site);
  addCollect(site);
  registerUpload(site);
  registerWorkflow(site);
}

export const serverOptions: ServerOption[] = [
  { flags: '--site-drift-interval <s>', description: 'site: seconds between drift checks of the deployed site (alarm 600.005), 0 disables', defaultValue: '30' },
  { flags: '--site-node-timeout <s>', description: 'site: seconds a node may take to reach active in a deploy step', defaultValue: '1800' },
  { flags: '--site-name <name>', description: 'site: the name drift alarms carry (site=NAME)', defaultValue: 'site' },
];
