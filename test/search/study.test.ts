// The run policy both executors share (search/study.ts), on the bit-string space.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SearchEngine } from '../../search/engine.js';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import { applyDefaults } from '../../search/experiment/validate.js';
import { frontSummary, overFailureBudget, plannedEvaluations, requiredObjectives, searchSettings, settingsKey, toResult } from '../../search/study.js';
import { bitSpace, evaluate } from './bitspace.js';

const spec = (over: Record<string, unknown> = {}): ExperimentSpec =>
  applyDefaults({ searchSpace: { name: 'nb201' }, objectives: ['error', 'flops'], algorithm: { populationSize: 6, generations: 2, seed: 4 }, ...over }) as unknown as ExperimentSpec;

test('settings from a spec: the named space, offspringSize = populationSize when absent, one key per search', () => {
  const s = searchSettings(spec());
  assert.equal(s.space.name, 'nb201');
  assert.equal(s.algorithm.offspringSize, 6);
  assert.equal(searchSettings(spec({ algorithm: { populationSize: 6, offspringSize: 3, seed: 4 } })).algorithm.offspringSize, 3);
  assert.equal(settingsKey(s), settingsKey(searchSettings(spec())));
  assert.notEqual(settingsKey(s), settingsKey(searchSettings(spec({ algorithm: { populationSize: 6, generations: 2, seed: 5 } }))));
  assert.equal(plannedEvaluations(spec()), 6 + 2 * 6);
});

test('required objectives: the optimised ones, then those a constraint needs, once each', () => {
  assert.deepEqual(requiredObjectives(spec()), ['error', 'flops']);
  assert.deepEqual(requiredObjectives(spec({ constraints: { maxParams: 1e6, maxError: 50 } })), ['error', 'flops', 'params']);
});

test('the failure budget is spent only when more trials failed than maxFailedTrials', () => {
  const s = spec({ execution: { maxFailedTrials: 2 } });
  assert.equal(overFailureBudget(2, s), undefined);
  assert.equal(overFailureBudget(3, s), '3 trials failed, more than spec.execution.maxFailedTrials (2)');
});

test('the tell adapter: a success without a required objective is a failure that names it; others pass through', () => {
  assert.deepEqual(toResult('t', { status: 'Succeeded', objectives: { error: 1 } }, ['error', 'flops']), { trial: 't', status: 'Failed', objectives: { error: 1 }, reason: 'the evaluator reported no flops' });
  assert.deepEqual(toResult('t', { status: 'Succeeded', objectives: { error: 1, flops: 2 } }, ['error', 'flops']), { trial: 't', status: 'Succeeded', objectives: { error: 1, flops: 2 } });
  assert.deepEqual(toResult('t', { status: 'Failed', objectives: {}, reason: 'oom' }, ['error']), { trial: 't', status: 'Failed', objectives: {}, reason: 'oom' });
});

test('front summary: the engine front, its hypervolume, the reference point by objective and the knee', () => {
  const engine = SearchEngine.create({ space: bitSpace(12), objectives: ['error', 'flops'], constraints: {}, algorithm: { ...searchSettings(spec()).algorithm } });
  const empty = frontSummary(engine, ['error', 'flops']);
  assert.deepEqual(empty, { front: [], hypervolume: 0, referencePoint: null, knee: null });
  while (!engine.done) engine.tell(engine.ask().map((c) => evaluate(c)));
  const s = frontSummary(engine, ['error', 'flops']);
  assert.deepEqual(s.front, engine.front());
  assert.equal(s.hypervolume, engine.hypervolume());
  assert.ok(s.hypervolume > 0);
  const [error, flops] = engine.referencePoint()!;
  assert.deepEqual(s.referencePoint, { error, flops });
  assert.deepEqual(s.knee, engine.knee());
});
