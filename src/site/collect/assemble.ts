/**
 * Site assembly as Pegleg does it (pegleg/engine/util/definition.py,
 * files.py, repository.py): the site repository's
 * `site/<site>/site-definition.yaml` names the site type and the other
 * repositories (each a URL pinned to a revision, overridable with `-e`);
 * the site's documents are every YAML file under `global/`,
 * `type/<site_type>/` and `site/<site>/` of each repository, the site
 * repository first.
 */
import type { Document, SourceLocation } from '../documents/index.js';
import { DeckhandError, inheritSource, isJsonObject, parseDocuments, schemaOf } from '../documents/index.js';
import { InvalidInputError, NotFoundError } from '../../core/errors/index.js';
import type { NamedRepositorySpec, RepositorySpec } from './repository-spec.js';
import { parseNamedRepositorySpec, parseRepositorySpec } from './repository-spec.js';
import type { SourceTree } from './source-tree.js';
import { openTree } from './source-tree.js';

export const SITE_DEFINITION_SCHEMA = 'pegleg/SiteDefinition/v1';
export const MANAGED_DOCUMENT_SCHEMA = 'pegleg/PeglegManagedDocument/v1';

export interface AssembleOptions {
  site: string;
  /** The site repository: `PATH_OR_URL[@REVISION]` (Pegleg's `-r`). */
  repository: string;
  /** Overrides of the site definition's repositories: `NAME=PATH_OR_URL[@REVISION]` (Pegleg's `-e`). */
  extraRepositories?: readonly string[];
  /**
   * Keep going past files that do not parse, recording the error on the
   * file (for lint); by default the first one is thrown.
   */
  tolerant?: boolean;
  /** Progress and notes (e.g. for stderr). */
  onNote?: (message: string) => void;
}

export interface RepositoryInfo {
  /** `site`, or the name the site definition gives it (`global`). */
  role: string;
  name: string;
  url: string;
  revision?: string;
  commit?: string;
}

export interface AssembledFile {
  /** Index into `repositories`. */
  repository: number;
  /** Path inside its repository. */
  path: string;
  /** How messages name the file. */
  label: string;
  text: string;
  documents: Document[];
  /** Why the file could not be read as documents (tolerant mode only). */
  error?: DeckhandError;
}

export interface AssembledSite {
  site: string;
  siteType: string;
  siteDefinition: Document;
  repositories: RepositoryInfo[];
  files: AssembledFile[];
  /** Every document of every file, in order, Pegleg-managed documents unwrapped. */
  documents: Document[];
  warnings: { message: string; source?: SourceLocation }[];
}

/** The directories a site draws from, in Pegleg's order. */
export function siteDirectories(site: string, siteType: string): string[] {
  return ['global', `type/${siteType}`, `site/${site}`];
}

/** A Pegleg-managed document stands for the document it wraps. */
function unwrapManaged(doc: Document): Document {
  if (schemaOf(doc) !== MANAGED_DOCUMENT_SCHEMA || !isJsonObject(doc.data)) return doc;
  const inner = doc.data.managedDocument;
  if (!isJsonObject(inner)) return doc;
  inheritSource(inner, doc);
  return inner as unknown as Document;
}

async function readSiteDefinition(tree: SourceTree, site: string): Promise<{ doc: Document; siteType: string; repos: Record<string, RepositorySpec> }> {
  const path = `site/${site}/site-definition.yaml`;
  if (!(await tree.exists(path))) {
    const sites = await tree.subdirectories('site');
    throw new NotFoundError(
      `site ${site} not found: ${path} does not exist in ${tree.spec.url}` + (sites.length ? ` (sites: ${sites.join(', ')})` : ''),
    );
  }
  const [file] = await tree.read([path]);
  const docs = parseDocuments(file.text, file.label);
  const doc = docs.find((d) => schemaOf(d) === SITE_DEFINITION_SCHEMA) ?? docs[0];
  const where = `${file.label}`;
  if (!doc || !isJsonObject(doc.data)) throw new InvalidInputError(`${where}: no ${SITE_DEFINITION_SCHEMA} document with a data section`);
  const siteType = doc.data.site_type;
  if (typeof siteType !== 'string' || !siteType) throw new InvalidInputError(`${where}: data.site_type must name the site type`);
  const repos: Record<string, RepositorySpec> = {};
  const declared = doc.data.repositories;
  if (declared !== undefined && declared !== null) {
    if (!isJsonObject(declared)) throw new InvalidInputError(`${where}: data.repositories must map names to {url, revision}`);
    for (const [name, value] of Object.entries(declared)) {
      if (!isJsonObject(value) || typeof value.url !== 'string') {
        throw new InvalidInputError(`${where}: data.repositories.${name} needs a url`);
      }
      repos[name] = { url: value.url, revision: value.revision == null ? undefined : String(value.revision) };
    }
  }
  return { doc, siteType, repos };
}

/** Reads every document of a site from its repositories. */
export async function assembleSite(opts: AssembleOptions): Promise<AssembledSite> {
  const note = opts.onNote ?? (() => {});
  const warnings: AssembledSite['warnings'] = [];
  const trees: SourceTree[] = [];
  try {
    const primary = await openTree(parseRepositorySpec(opts.repository));
    trees.push(primary);
    const def = await readSiteDefinition(primary, opts.site);

    const overrides = new Map<string, NamedRepositorySpec>();
    for (const spec of opts.extraRepositories ?? []) {
      const o = parseNamedRepositorySpec(spec);
      if (o.name === 'site') {
        warnings.push({ message: `the site repository is given with -r; ignoring -e ${spec}` });
        continue;
      }
      overrides.set(o.name, o);
    }
    const declared = Object.keys(def.repos).length > 0 ? def.repos : Object.fromEntries(overrides);
    for (const name of overrides.keys()) {
      if (!(name in declared)) warnings.push({ message: `-e ${name}=… is not a repository of site ${opts.site}; ignored` });
    }
    const roles: string[] = ['site'];
    for (const [name, spec] of Object.entries(declared)) {
      if (name === 'site') continue;
      const chosen = overrides.get(name) ?? spec;
      note(`reading repository ${name}: ${chosen.url}${chosen.revision ? '@' + chosen.revision : ''}`);
      trees.push(await openTree({ url: chosen.url, revision: chosen.revision }));
      roles.push(name);
    }

    const files: AssembledFile[] = [];
    const documents: Document[] = [];
    for (let r = 0; r < trees.length; r++) {
      const tree = trees[r];
      const paths: string[] = [];
      for (const dir of siteDirectories(opts.site, def.siteType)) paths.push(...(await tree.yamlFiles(dir)));
      for (const f of await tree.read(paths)) {
        const file: AssembledFile = { repository: r, path: f.path, label: f.label, text: f.text, documents: [] };
        try {
          file.documents = parseDocuments(f.text, f.label).map(unwrapManaged);
        } catch (err) {
          if (!opts.tolerant || !(err instanceof DeckhandError)) throw err;
          file.error = err;
        }
        files.push(file);
        documents.push(...file.documents);
      }
    }
    return {
      site: opts.site,
      siteType: def.siteType,
      siteDefinition: def.doc,
      repositories: trees.map((t, i) => ({ role: roles[i], name: t.name, url: t.spec.url, revision: t.spec.revision, commit: t.commit })),
      files,
      documents,
      warnings,
    };
  } finally {
    await Promise.all(trees.map((t) => t.close()));
  }
}
