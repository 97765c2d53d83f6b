/**
 * `strata site upload SITE -r REPO [-e NAME=REPO]… [--bucket NAME]`:
 * assembles a site as `strata site collect` does and stores it as one
 * bucket of the server's Deckhand-compatible revision store
 * (`PUT /deckhand/api/v1.0/buckets/NAME/documents`). The server refuses a
 * site that would not render (`?render=true`) unless `--no-render-check`;
 * a refusal names the document and the file:line it came from. Prints the
 * new revision, or that nothing changed.
 */
import type { Command } from 'commander';
import { action } from '../core/cli/index.js';
import type { CliContext } from '../core/cli/index.js';
import { withRepositoryOptions, type RepositoryOptions } from './repository-options.js';

interface UploadFlags extends RepositoryOptions {
  bucket?: string;
  renderCheck: boolean;
}

export interface UploadResult {
  site: string;
  bucket: string;
  revision: number;
  created: boolean;
  documents: number;
}

interface DeckhandMessage {
  message?: string;
  name?: string;
  schema?: string;
  layer?: string;
  path?: string;
  documents?: { schema?: string; name?: string; layer?: string }[];
}

/** The document a Deckhand error names, as (schema, layer, name). */
function namedDocument(m: DeckhandMessage): { schema: string; layer: string; name: string } | undefined {
  const d = m.documents?.[0];
  if (d?.name) return { schema: d.schema ?? '', layer: d.layer ?? '', name: d.name };
  if (m.name && m.schema !== undefined) return { schema: m.schema, layer: m.layer ?? '', name: m.name };
  return undefined;
}

/** `metadata.substitutions[0].src` as path segments. */
function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

async function upload(ctx: CliContext, site: string, flags: UploadFlags): Promise<void> {
  const { assembleFromOptions } = await import('./cli.js');
  const { safeDumpAll } = await import('./api/pyyaml-dump.js');
  const { locate, layerOf, nameOf, schemaOf, formatSource } = await import('./documents/index.js');
  const { ApiError } = await import('../core/cli/index.js');
  const assembled = await assembleFromOptions(ctx, site, flags);
  const bucket = flags.bucket ?? site;
  const body = safeDumpAll(assembled.documents);
  ctx.info(`strata: uploading ${assembled.documents.length} documents of site ${site} to bucket ${bucket}`);
  let res: Response;
  try {
    res = await ctx.client().fetch('PUT', `/deckhand/api/v1.0/buckets/${encodeURIComponent(bucket)}/documents`, {
      raw: { data: body, contentType: 'application/x-yaml' },
      headers: { accept: 'application/json' },
      query: flags.renderCheck ? { render: 'true' } : undefined,
    });
  } catch (err) {
    // Point at the file:line the refused document came from, not at the line of the uploaded stream.
    if (err instanceof ApiError && err.body && typeof err.body === 'object') {
      const b = err.body as { message?: string; details?: { errorType?: string; messageList?: DeckhandMessage[] } };
      const where = (b.details?.messageList ?? [])
        .map((m) => {
          const ref = namedDocument(m);
          const doc = ref && assembled.documents.find((d) => schemaOf(d) === ref.schema && nameOf(d) === ref.name && layerOf(d) === ref.layer);
          const source = doc ? locate(doc, m.path ? pathSegments(m.path) : []) : undefined;
          return source ? `${formatSource(source)}${m.path ? ` (${m.path})` : ''}` : undefined;
        })
        .filter((x): x is string => Boolean(x));
      const reason = (b.message ?? err.message).replace(/ \(request body:\d+(:\d+)?\)/g, '').replace(/ at [\w.[\]"]+$/, '');
      const type = b.details?.errorType ? `${b.details.errorType}: ` : '';
      throw new ApiError(`${err.status} ${type}${reason}${where.length ? ` [${[...new Set(where)].join('; ')}]` : ''}`, err.status, err.body);
    }
    throw err;
  }
  await res.text();
  const result: UploadResult = {
    site,
    bucket,
    revision: Number(res.headers.get('x-strata-revision')),
    created: res.headers.get('x-strata-revision-created') === 'true',
    documents: assembled.documents.length,
  };
  ctx.out(result, (r: UploadResult) =>
    r.created
      ? `revision ${r.revision}: bucket ${r.bucket} now holds the ${r.documents} documents of site ${r.site}`
      : `no change: bucket ${r.bucket} already holds these ${r.documents} documents (revision ${r.revision})`,
  );
}

/** Adds `upload` to `strata site`. */
export function registerUpload(site: Command): void {
  withRepositoryOptions(
    site
      .command('upload')
      .description("store a site's documents as a bucket of the server's revision store (a new revision when anything changed)")
      .argument('<site>', 'site name'),
  )
    .option('-b, --bucket <name>', 'bucket to store the documents in (default: the site name)')
    .option('--no-render-check', 'store the documents even if the resulting revision does not render')
    .action(action(async (ctx, siteName: string, flags: UploadFlags) => upload(ctx, siteName, flags)));
}
