/**
 * A synthetic site of any size with what makes rendering work hard: four
 * layers (each concrete chart is an abstract global parent plus region,
 * zone and site children, each layering with merge/replace/delete), chains
 * of substitutions 25 documents long, encrypted passphrases feeding charts
 * (so redaction runs), patterns in destinations, and everything listed in
 * reverse dependency order.
 */
import type { Document, JsonValue } from '../src/site/documents/index.js';

function chartValues(i: number): JsonValue {
  const values: Record<string, JsonValue> = {};
  for (let k = 0; k < 12; k++) {
    values[`component${k}`] = {
      image: `registry.example.com/c${k}:1.${i % 7}`,
      replicas: (i + k) % 5,
      labels: { node_selector_key: `role-${k % 3}`, node_selector_value: 'enabled' },
      endpoints: { host: `svc-${k}.ns-${i % 11}.svc.cluster.local`, port: 8000 + k, url: 'http://HOST:PORT/v1' },
    };
  }
  return { chart_name: `chart-${i}`, release: `rel-${i}`, namespace: `ns-${i % 11}`, values, list: [1, 2, 3, i] };
}

function meta(name: string, layer: string, extra: Record<string, unknown> = {}): Document['metadata'] {
  return { schema: 'metadata/Document/v1', name, storagePolicy: 'cleartext', layeringDefinition: { abstract: false, layer }, ...extra } as Document['metadata'];
}

/** About `size` documents (a multiple of 8 plus the policy). */
export function syntheticSite(size: number): Document[] {
  const docs: Document[] = [
    {
      schema: 'deckhand/LayeringPolicy/v1',
      metadata: { schema: 'metadata/Control/v1', name: 'layering-policy' },
      data: { layerOrder: ['global', 'region', 'zone', 'site'] },
    },
  ];
  const groups = Math.max(1, Math.floor(size / 8));
  for (let g = 0; g < groups; g++) {
    // A passphrase (encrypted) and a catalogue entry that chains to the previous one.
    docs.push({
      schema: 'deckhand/Passphrase/v1',
      metadata: meta(`pass-${g}`, 'site', { storagePolicy: 'encrypted' }),
      data: `secret-${g}-${'x'.repeat(16)}`,
    });
    const chainStart = g % 25 === 0;
    docs.push({
      schema: 'example/Catalogue/v1',
      metadata: meta(`catalogue-${g}`, 'site', {
        substitutions: chainStart
          ? []
          : [
              { src: { schema: 'example/Catalogue/v1', name: `catalogue-${g - 1}`, path: '.hosts' }, dest: { path: '.hosts' } },
              { src: { schema: 'example/Catalogue/v1', name: `catalogue-${g - 1}`, path: '.depth' }, dest: { path: '.previous_depth' } },
            ],
      }),
      data: { depth: g % 25, hosts: chainStart ? { a: `host-${g}`, b: { c: g } } : {}, own: `catalogue-${g}` },
    });
    // The chart family: global abstract parent, then region, zone, site.
    const base = `chart-${g}`;
    docs.push({
      schema: 'armada/Chart/v1',
      metadata: meta(`${base}-global`, 'global', {
        labels: { name: `${base}-global` },
        layeringDefinition: { abstract: true, layer: 'global' },
      }),
      data: chartValues(g),
    });
    docs.push({
      schema: 'armada/Chart/v1',
      metadata: meta(`${base}-region`, 'region', {
        labels: { name: `${base}-region` },
        layeringDefinition: {
          abstract: true,
          layer: 'region',
          parentSelector: { name: `${base}-global` },
          actions: [{ method: 'merge', path: '.' }],
        },
      }),
      data: { values: { component1: { replicas: 3 }, extra: { region: `r-${g % 4}` } } },
    });
    docs.push({
      schema: 'armada/Chart/v1',
      metadata: meta(`${base}-zone`, 'zone', {
        labels: { name: `${base}-zone` },
        layeringDefinition: {
          abstract: true,
          layer: 'zone',
          parentSelector: { name: `${base}-region` },
          actions: [
            { method: 'merge', path: '.values' },
            { method: 'replace', path: '.list' },
            { method: 'delete', path: '.values.component11' },
          ],
        },
      }),
      data: { values: { component2: { image: 'registry.example.com/zone:2' } }, list: ['zone'] },
    });
    docs.push({
      schema: 'armada/Chart/v1',
      metadata: meta(base, 'site', {
        layeringDefinition: {
          abstract: false,
          layer: 'site',
          parentSelector: { name: `${base}-zone` },
          actions: [{ method: 'merge', path: '.' }],
        },
        substitutions: [
          { src: { schema: 'deckhand/Passphrase/v1', name: `pass-${g}`, path: '.' }, dest: { path: '.values.component0.password' } },
          { src: { schema: 'example/Catalogue/v1', name: `catalogue-${g}`, path: '.hosts' }, dest: { path: '.values.hosts' } },
          {
            src: { schema: 'example/Catalogue/v1', name: `catalogue-${g}`, path: '.own' },
            dest: [
              { path: '.values.component3.endpoints.url', pattern: 'HOST' },
              { path: '.values.component4', pattern: 'PORT', recurse: { depth: -1 } },
            ],
          },
        ],
      }),
      data: { values: { component5: { replicas: 9 } } },
    });
    // Two plain documents, as most of a real site is.
    docs.push({ schema: 'example/Config/v1', metadata: meta(`config-${g}`, 'site'), data: { key: g, nested: { a: [1, 2, 3], b: 'text' } } });
    docs.push({ schema: 'example/Config/v1', metadata: meta(`config-${g}-b`, 'zone'), data: { key: -g } });
  }
  // Reverse order: every child and destination comes before what it needs.
  return [docs[0], ...docs.slice(1).reverse()];
}
