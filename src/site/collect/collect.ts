/**
 * `collect` as Pegleg does it: every file of the site, as written (comments
 * and all), concatenated per repository, each file framed by `---` and
 * `...`. The text is the files' own, so it reads back exactly as they do.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { dumpYamlStream, parseYamlStream } from '../documents/index.js';
import type { AssembledSite } from './assemble.js';

/**
 * One file's text framed as a YAML document stream. A file whose last
 * block scalar runs to the end without a newline would change value once a
 * newline and `...` follow it (Pegleg's collect changes it): such a file is
 * written out from its documents instead of its text.
 */
export function frameFile(text: string): string {
  if (text.length > 0 && !text.endsWith('\n')) {
    const asIs = parseYamlStream(text, 'file').map((d) => d.value);
    if (!isDeepStrictEqual(asIs, parseYamlStream(text + '\n', 'file').map((d) => d.value))) return dumpYamlStream(asIs);
  }
  let body = text.replace(/\r\n/g, '\n');
  if (!body.endsWith('\n')) body += '\n';
  if (!body.startsWith('---\n') && !body.startsWith('--- ')) body = '---\n' + body;
  if (!body.endsWith('...\n')) body += '...\n';
  return body;
}

/** repository name → the collected YAML stream of its files. */
export function collectByRepository(site: AssembledSite): Map<string, string> {
  const out = new Map<string, string[]>();
  for (const file of site.files) {
    const name = site.repositories[file.repository].name;
    let parts = out.get(name);
    if (!parts) out.set(name, (parts = []));
    parts.push(frameFile(file.text));
  }
  return new Map([...out].map(([k, v]) => [k, v.join('')]));
}

/** Writes `<dir>/<repository>.yaml` for each repository; returns the files written. */
export async function writeCollected(site: AssembledSite, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of collectByRepository(site)) {
    const path = join(dir, `${name}.yaml`);
    await writeFile(path, text);
    written.push(path);
  }
  return written;
}
