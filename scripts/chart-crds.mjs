#!/usr/bin/env node
// Copies the generated CRDs (crds/*.yaml, from `npm run crds:gen`) into the Helm chart's crds/,
// byte for byte; test/chart/crds.test.ts fails when the two differ. `--check` only compares.
import { copyFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const from = join(root, 'crds');
const to = join(root, 'charts', 'rwenas', 'crds');
const check = process.argv.includes('--check');

const yaml = (dir) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const source = yaml(from);
const target = yaml(to);
const stale = target.filter((f) => !source.includes(f));
const differ = source.filter((f) => !target.includes(f) || !readFileSync(join(from, f)).equals(readFileSync(join(to, f))));

if (check) {
  if (stale.length + differ.length === 0) process.exit(0);
  console.error(`charts/rwenas/crds is out of date (${[...differ, ...stale].join(', ')}): run node scripts/chart-crds.mjs`);
  process.exit(1);
}
for (const f of stale) rmSync(join(to, f));
for (const f of differ) copyFileSync(join(from, f), join(to, f));
console.log(`charts/rwenas/crds: ${differ.length} copied, ${stale.length} removed, ${source.length} in all`);
