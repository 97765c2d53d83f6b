// `strata site lint`'s engine validates the workflow's documents with the built-in DataSchemas.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { assembleSite, lintSite } from '../collect/index.js';
import { WORKFLOW_DATA_SCHEMAS } from './schemas.js';

const root = mkdtempSync(join(tmpdir(), 'strata-wf-lint-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a Workload with a bad field is a P005 naming its file, line and path', async () => {
  const files: Record<string, string> = {
    'global/policy.yaml': '---\nschema: deckhand/LayeringPolicy/v1\nmetadata: {schema: metadata/Control/v1, name: lp}\ndata: {layerOrder: [global, site]}\n',
    'site/lab/site-definition.yaml': '---\nschema: pegleg/SiteDefinition/v1\nmetadata: {schema: metadata/Document/v1, name: lab, storagePolicy: cleartext, layeringDefinition: {layer: site}}\ndata: {site_type: t}\n',
    'site/lab/software/web.yaml':
      '---\nschema: strata/Workload/v1\nmetadata:\n  schema: metadata/Document/v1\n  name: web\n  storagePolicy: cleartext\n  layeringDefinition: {layer: site}\ndata:\n  command: [httpd, -f]\n  replicas: lots\n',
  };
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), t);
  }
  const site = await assembleSite({ site: 'lab', repository: root });
  const findings = lintSite(site, { dataSchemas: WORKFLOW_DATA_SCHEMAS }).filter((f) => f.severity === 'error');
  assert.deepEqual(findings.map((f) => [f.code, f.file?.endsWith('software/web.yaml'), f.line, f.path]), [['P005', true, 10, 'data.replicas']]);
  assert.match(findings[0].message, /strata\/Workload\/v1:web at data.replicas: 'lots' is not of type 'integer'/);
  assert.deepEqual(lintSite(site).filter((f) => f.severity === 'error'), [], 'without the workflow schemas nothing checks it');
});
