import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SearchEngine } from '../../search/engine.js';
import { generationHistory } from '../../search/study.js';
import { bitSpace, evaluate } from './bitspace.js';

const space = bitSpace(16);
const algorithm = { name: 'nsga2' as const, populationSize: 8, offspringSize: 8, generations: 5, crossoverProbability: 0.9, mutationRate: 1 / 16, seed: 3, initialGenomes: [] };

test('generation history: after each generation, the engine front size and hypervolume over the trials so far', () => {
  const engine = SearchEngine.create({ space, objectives: ['error', 'flops'], constraints: {}, algorithm });
  const seen: { frontSize: number; hypervolume: number; evaluations: number }[] = [];
  while (!engine.done) {
    engine.tell(engine.ask().map((c) => evaluate(c, '11')));
    seen.push({ frontSize: engine.front().length, hypervolume: engine.hypervolume(), evaluations: engine.history().length });
  }
  const records = generationHistory(engine.history(), ['error', 'flops'], {}, engine.referencePoint());
  assert.equal(records.length, seen.length);
  records.forEach((r, g) => {
    assert.equal(r.generation, g);
    assert.equal(r.frontSize, seen[g].frontSize, `front size of generation ${g}`);
    assert.ok(Math.abs(r.hypervolume - seen[g].hypervolume) <= 1e-12 * Math.max(1, seen[g].hypervolume), `hypervolume of generation ${g}`);
    assert.equal(r.evaluations, seen[g].evaluations);
  });
  assert.ok(records.some((r) => r.failed > 0), 'the failing suffix makes some trials fail');
  for (let g = 1; g < records.length; g++) assert.ok(records[g].hypervolume >= records[g - 1].hypervolume, 'an archive front never loses hypervolume');
});

test('generation history: infeasible trials stay off the front; no reference point gives hypervolume 0', () => {
  const constraints = { maxFlops: 3e6 };
  const engine = SearchEngine.create({ space, objectives: ['error', 'flops'], constraints, algorithm });
  while (!engine.done) engine.tell(engine.ask().map((c) => evaluate(c)));
  const history = engine.history();
  assert.ok(history.some((h) => h.objectives.flops! > 3e6), 'some trials are infeasible');
  const records = generationHistory(history, ['error', 'flops'], constraints, null);
  assert.ok(engine.front().length > 0);
  assert.equal(records[records.length - 1].frontSize, engine.front().length);
  assert.ok(records.every((r) => r.hypervolume === 0));
});
