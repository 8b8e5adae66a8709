// The report's copy of docs/fidelity.md is current, and each shipped method finds its rows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fidelityOf } from '../../results/report/fidelity.js';
import { ROOT } from '../cli/helpers.js';
// @ts-expect-error: a plain ESM script without types
import { fidelityModule } from '../../scripts/gen-fidelity.mjs';

test('results/report/fidelity.generated.ts equals what npm run fidelity:gen makes of docs/fidelity.md', () => {
  const expected = (fidelityModule as (text: string) => string)(readFileSync(join(ROOT, 'docs/fidelity.md'), 'utf8'));
  const actual = readFileSync(join(ROOT, 'results/report/fidelity.generated.ts'), 'utf8');
  assert.equal(actual, expected, 'stale copy: run npm run fidelity:gen');
});

test('fidelity rows per method and space', () => {
  const nb = fidelityOf('nb201', 'naswot+params');
  assert.ok(nb.tables.length > 0);
  assert.ok(nb.tables.every((t) => t.rows.every((r) => /^naswot \+ [\d.]+·log params$/.test(r[0]))));
  assert.ok(nb.tables.some((t) => t.rows.some((r) => r[1] === 'confirm')), 'the confirm sample is shown');
  assert.ok(fidelityOf('darts', 'naswot').tables.some((t) => t.rows.some((r) => r[0] === 'naswot')));
  assert.ok(fidelityOf('nb201', 'rwe').tables.length > 0);
  for (const space of ['nb201', 'darts']) assert.ok(fidelityOf(space, 'zero-cost').tables.some((t) => t.rows.some((r) => r[1] === 'confirm')), `the default's confirm rows on ${space}`);
  // nb201's default is the fit on NB201's own depth; the 1-cell fit and the 5-cell rows of other methods are not shown for them.
  assert.ok(fidelityOf('nb201', 'zero-cost').tables.every((t) => t.title.includes("NB201's own depth")), 'zero-cost on nb201: the 5-cell fit only');
  assert.ok(fidelityOf('nb201', 'naswot').tables.every((t) => !t.title.includes("NB201's own depth")), 'naswot on nb201: its own 1-cell proxy only');
  assert.deepEqual(fidelityOf('mobilenetv3', 'naswot').tables, [], 'nothing measured on mobilenetv3');
  assert.deepEqual(fidelityOf('nb201', 'table').tables, []);
  assert.ok(fidelityOf('nb201', 'naswot').defaults.rows.some((r) => r[0] === 'nb201'));
});
