// `rwenas report` black-box on a real local run (NB201, table method), then the page in
// Debian's chromium: no console errors and no network, every trial plotted, the tooltip of a
// front point shows its genome, the trial table sorts and filters, a screenshot is written.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { needData, rwenas, TABLE, tempDir } from '../cli/helpers.js';
import { hoverFrontPoint, needChromium, openPage, plottedPoints, type OpenedPage } from './browser.js';

const skip = needData(TABLE) || needChromium();
const dir = tempDir();
let opened: OpenedPage | undefined;
let trials: { trial: string; genome: string; status: string; objectives: Record<string, number> }[] = [];
let front: { trial: string; genome: string }[] = [];

before(() => {
  if (skip) return;
  const run = rwenas(['run', 'examples/nb201-table.yaml', '--out', dir, '--set', `spec.evaluation.table.path=${TABLE}`, '--set', 'spec.algorithm.generations=4', '--set', 'spec.algorithm.populationSize=16', '--log-format', 'json']);
  assert.equal(run.status, 0, run.stderr);
  trials = readFileSync(join(dir, 'trials.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  front = JSON.parse(readFileSync(join(dir, 'front.json'), 'utf8'));
});

after(async () => {
  await opened?.browser.close();
});

test('rwenas report writes one self-contained HTML file; summary.json has the per-generation history', { skip }, () => {
  const r = rwenas(['report', dir]);
  assert.equal(r.status, 0, r.stderr);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/i, 'no external scripts or stylesheets');
  assert.match(html, /vega-embed/);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.history.length, 5, 'generation 0 and 4 more');
  assert.equal(summary.history[4].frontSize, front.length);
  assert.equal(summary.history[4].hypervolume, summary.hypervolume);
  assert.match(r.stdout, new RegExp(`${trials.length} trials, ${front.length} on the front, 5 generations`));
});

test('the report in chromium: no console errors, no network, one point per trial, the front and knee', { skip }, async () => {
  opened = await openPage(`file://${join(dir, 'report.html')}`);
  const points = await plottedPoints(opened.page);
  assert.deepEqual(opened.errors, []);
  assert.deepEqual(opened.refused, [], 'the page requested nothing from the network');
  assert.equal(points.trials_marks, trials.filter((t) => t.status === 'Succeeded').length, 'one point per successful trial');
  assert.equal(points.front_marks, front.length);
  assert.equal(points.knee_marks, 1);
  const axes = await opened.page.$$eval('#pareto-chart .role-axis-title text', (ts) => ts.map((t) => t.textContent));
  assert.ok(axes.includes('error (%)') && axes.includes('FLOPs (multiply-accumulates)'), `axis titles with units: ${axes.join(', ')}`);
});

test('the tooltip of a front point shows its genome and objectives', { skip }, async () => {
  const page = opened!.page;
  for (const i of [0, front.length - 1]) {
    const { genome, tooltip } = await hoverFrontPoint(page, i);
    assert.ok(front.some((f) => f.genome === genome), `hovered point ${i} is a front member`);
    assert.ok(tooltip.includes(genome), `tooltip ${JSON.stringify(tooltip)} shows ${genome}`);
    assert.match(tooltip, /error \(%\)/);
    const trial = front.find((f) => f.genome === genome)!.trial;
    assert.ok(tooltip.includes(trial), 'and the trial id');
  }
});

test('the trial table: every trial, filter by genome, front only, sort by an objective', { skip }, async () => {
  const page = opened!.page;
  const count = () => page.$$eval('#trial-table tbody tr', (rows) => rows.length);
  assert.equal(await count(), trials.length);
  await page.type('#trial-filter', front[0].genome);
  assert.equal(await count(), 1);
  await page.$eval('#trial-filter', (el) => ((el as HTMLInputElement).value = ''));
  await page.click('#front-only');
  assert.equal(await count(), front.length);
  await page.click('#front-only');
  await page.click('#trial-table th[data-col="4"]'); // error, ascending
  const errors = await page.$$eval('#trial-table tbody tr td:nth-child(5)', (tds) => tds.map((td) => Number(td.textContent!.replace(/,/g, ''))));
  assert.equal(errors.length, trials.length);
  assert.deepEqual(errors, [...errors].sort((a, b) => a - b));
});

test('a screenshot of the report is written', { skip }, async () => {
  const file = join(dir, 'report.png');
  await opened!.page.screenshot({ path: file, fullPage: false });
  assert.ok(existsSync(file) && statSync(file).size > 20_000);
  assert.deepEqual(readFileSync(file).subarray(0, 4), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
});

test('pareto.svg is drawn from the same specification: the same layers and point counts', { skip }, () => {
  const svg = readFileSync(join(dir, 'pareto.svg'), 'utf8');
  const points = (layer: string) => (svg.split(`role-mark ${layer}`)[1] ?? '').split('</g>')[0].match(/<path/g)?.length ?? 0;
  assert.equal(points('trials_marks'), trials.filter((t) => t.status === 'Succeeded').length);
  assert.equal(points('front_marks'), front.length);
  assert.equal(points('knee_marks'), 1);
});

test('rwenas report: bad input exits 2 naming the file', { skip: needData(TABLE) }, () => {
  const empty = tempDir();
  let r = rwenas(['report', empty]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /summary\.json: not found/);
  r = rwenas(['report', join(empty, 'nope')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not a directory/);
  r = rwenas(['report']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /run directory .* or --experiment/);
  // Hostile files: every problem names the file (and line) and what was expected.
  const bad = tempDir();
  const summary = { experiment: 'x', space: 'nb201', method: 'table', objectives: ['error', 'flops'], seed: 1, done: true, referencePoint: null };
  const cases: [object, string, RegExp][] = [
    [{ ...summary, space: 'resnet' }, '', /summary\.json: space: expected one of nb201, darts, mobilenetv3, got "resnet"/],
    [{ ...summary, objectives: ['error'] }, '', /summary\.json: objectives: expected 2 or 3 of error, params, flops/],
    [{ ...summary, seed: -1 }, '', /summary\.json: seed: expected a non-negative integer, got -1/],
    [summary, '{"trial":"a","genome":"g","generation":0,"status":"Succeeded","objectives":{"error":1,"flops":2}}\n{"trial":', /trials\.jsonl:2: not valid JSON/],
    [summary, '{"trial":"a","genome":"g","generation":0,"status":"Succeeded","objectives":{"error":1}}\n', /trials\.jsonl:1: objectives\.flops: missing for a Succeeded trial/],
    [summary, '{"trial":"a","genome":"g","generation":-2,"status":"Succeeded","objectives":{"error":1,"flops":2}}\n', /trials\.jsonl:1: generation: expected a generation number, got -2/],
    [summary, '{"trial":"a","genome":"g","generation":0,"status":"Weird","objectives":{}}\n', /trials\.jsonl:1: status: expected Succeeded or Failed/],
  ];
  for (const [s, trialsText, message] of cases) {
    writeFileSync(join(bad, 'summary.json'), JSON.stringify(s));
    writeFileSync(join(bad, 'trials.jsonl'), trialsText);
    const res = rwenas(['report', bad]);
    assert.equal(res.status, 2, res.stderr);
    assert.match(res.stderr, message);
  }
  writeFileSync(join(bad, 'summary.json'), '{"experiment": ');
  assert.match(rwenas(['report', bad]).stderr, /summary\.json: not valid JSON/);
});
