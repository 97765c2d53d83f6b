/**
 * Every treasuremap v1.9 site renders; the four Deckhand rendered
 * (../shared/fixtures/treasuremap-v1.9-rendered) render to the same
 * documents, compared as sets: redacted (the engine's default, as Pegleg
 * renders) and with cleartext secrets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Document } from '../../src/site/documents/index.js';
import { SubstitutionSourceNotFound, validateDocuments } from '../../src/site/documents/index.js';
import { render } from '../../src/site/render/index.js';
import { assembleSite } from '../../src/site/collect/index.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const TREASUREMAP = `${FIXTURES}treasuremap-v1.9`;
const REFERENCE = `${FIXTURES}treasuremap-v1.9-rendered/`;

const key = (d: Document) => `${d.schema}|${d.metadata?.name}|${d.metadata?.layeringDefinition?.layer ?? ''}`;

function byKey(docs: Document[]): Map<string, unknown> {
  return new Map(docs.map((d) => [key(d), JSON.parse(JSON.stringify(d))]));
}

/** Keys of the documents that differ (missing, extra or unequal). */
function differences(got: Document[], want: Document[]): string[] {
  const g = byKey(got);
  const w = byKey(want);
  const out: string[] = [];
  for (const k of new Set([...g.keys(), ...w.keys()])) {
    try {
      assert.deepEqual(g.get(k), w.get(k));
    } catch {
      out.push(k);
    }
  }
  return out.sort();
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

// Frozen: rendering must never change its input (a write would throw).
const cache = new Map<string, Document[]>();
async function documents(site: string): Promise<Document[]> {
  if (!cache.has(site)) cache.set(site, deepFreeze((await assembleSite({ site, repository: TREASUREMAP })).documents));
  return cache.get(site)!;
}

function reference(site: string, cleartext: boolean): Document[] {
  return JSON.parse(readFileSync(`${REFERENCE}${site}${cleartext ? '' : '.redacted'}.json`, 'utf8'));
}

for (const site of ['seaworthy', 'airsloop', 'airskiff', 'aiab']) {
  for (const cleartext of [false, true]) {
    test(`${site}${cleartext ? ' (cleartext secrets)' : ''} equals Deckhand's rendering`, async () => {
      const docs = await documents(site);
      const want = reference(site, cleartext);
      // With Deckhand's delete reproduced, every document is identical.
      const compat = render(docs, { failOnMissingSubSrc: false, cleartextSecrets: cleartext, deckhandDelete: true });
      assert.deepEqual(differences(compat.documents, want), []);
      assert.equal(compat.documents.length, want.length);
      // By default delete removes the value at the path: airskiff's two
      // charts deleting an exporter's labels keep them, and lose the server's.
      const fixed = render(docs, { failOnMissingSubSrc: false, cleartextSecrets: cleartext });
      const diff = differences(fixed.documents, want);
      if (site !== 'airskiff') {
        assert.deepEqual(diff, []);
        return;
      }
      assert.deepEqual(diff, ['armada/Chart/v1|openstack-mariadb|type', 'armada/Chart/v1|openstack-rabbitmq|type']);
      const get = (list: Document[], name: string) => list.find((d) => d.metadata.name === name && d.metadata.layeringDefinition?.layer === 'type')!;
      for (const [name, deleted] of [
        ['openstack-mariadb', 'prometheus_mysql_exporter'],
        ['openstack-rabbitmq', 'prometheus_rabbitmq_exporter'],
      ]) {
        const ours = JSON.parse(JSON.stringify(get(fixed.documents, name)));
        const theirs = structuredClone(get(want, name)) as Document & { data: { values: { labels: Record<string, unknown> } } };
        const labels = theirs.data.values.labels;
        assert.ok(labels[deleted] && !labels.server, 'Deckhand deleted server instead');
        labels.server = labels[deleted];
        delete labels[deleted];
        assert.deepEqual(ours, theirs, name);
      }
    });
  }
}

test('aiab: 40 missing certificate sources are warnings, and an error when strict', async () => {
  const docs = await documents('aiab');
  const { warnings } = render(docs, { failOnMissingSubSrc: false });
  assert.equal(warnings.length, 40);
  assert.ok(warnings.every((w) => w.code === 'SubstitutionSourceNotFound' && w.source && w.document && w.path));
  assert.throws(() => render(docs, { failOnMissingSubSrc: true }), (e: unknown) => {
    assert.ok(e instanceof SubstitutionSourceNotFound);
    assert.match(e.message, /was not found, yet is referenced by .* at metadata\.substitutions\[\d+\]\.src \(.*\.yaml:\d+\)$/);
    return true;
  });
});

for (const site of ['seaworthy', 'seaworthy-virt', 'airsloop', 'airskiff', 'airskiff-suse', 'aiab']) {
  test(`${site} renders and passes validation before and after rendering`, async () => {
    const docs = await documents(site);
    assert.deepEqual(validateDocuments(docs, { phase: 'pre' }).filter((m) => m.error), []);
    const { documents: rendered } = render(docs, { failOnMissingSubSrc: false, validate: true });
    assert.ok(rendered.length > 300, String(rendered.length));
    assert.ok(rendered.some((d) => d.schema === 'pegleg/SiteDefinition/v1' && d.metadata.name === site));
  });
}
