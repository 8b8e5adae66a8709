// The chart ships the generated CRDs unchanged: charts/rwenas/crds/ must equal crds/ byte for
// byte (`node scripts/chart-crds.mjs` copies them after `npm run crds:gen`).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHART, ROOT } from './tools.js';

const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

test('charts/rwenas/crds holds exactly the generated CRDs, byte for byte', () => {
  const source = join(ROOT, 'crds');
  const chart = join(CHART, 'crds');
  assert.ok(yamlFiles(source).length >= 2, 'crds/ should hold the NASExperiment and NASTrial CRDs');
  assert.deepEqual(yamlFiles(chart), yamlFiles(source), 'file lists differ: run node scripts/chart-crds.mjs');
  for (const f of yamlFiles(source)) {
    assert.ok(readFileSync(join(chart, f)).equals(readFileSync(join(source, f))), `charts/rwenas/crds/${f} differs from crds/${f}: run node scripts/chart-crds.mjs`);
  }
});
