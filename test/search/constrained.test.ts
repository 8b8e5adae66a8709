import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareConstrained, constrainedFronts, violation, type Individual } from '../../search/algorithms/constrained.js';
import { survive } from '../../search/algorithms/survival.js';
import { binaryTournament } from '../../search/algorithms/tournament.js';
import { rankAndCrowd } from '../../search/algorithms/survival.js';
import { Rng } from '../../search/random.js';

const ind = (trial: string, objectives: number[], v = 0): Individual => ({ trial, objectives, violation: v });

test('violation: normalised by each limit and summed; failed is infinite', () => {
  const limits = { maxParams: 1e6, maxError: 10 };
  assert.equal(violation(limits, 'Succeeded', { params: 5e5, error: 9 }), 0);
  assert.equal(violation(limits, 'Succeeded', { params: 1.5e6, error: 12 }), 0.5 + 0.2);
  assert.equal(violation(limits, 'Failed', {}), Infinity);
  assert.throws(() => violation(limits, 'Succeeded', { error: 1 }), /maxParams needs objective params/);
});

test('constrained domination: feasible beats infeasible, less violation beats more, failed is worst', () => {
  const a = ind('a', [5, 5]);
  const b = ind('b', [1, 1], 0.1);
  const c = ind('c', [0, 0], 0.3);
  const f = ind('f', [], Infinity);
  assert.equal(compareConstrained(a, b), -1);
  assert.equal(compareConstrained(b, a), 1);
  assert.equal(compareConstrained(b, c), -1);
  assert.equal(compareConstrained(c, f), -1);
  assert.equal(compareConstrained(f, ind('g', [], Infinity)), 0);
  assert.equal(compareConstrained(ind('x', [1, 2]), ind('y', [2, 1])), 0);
  assert.equal(compareConstrained(ind('x', [1, 1]), ind('y', [1, 2])), -1);
  // Fronts: feasible fronts first, then violation levels (equal violations share one), failed last.
  const pop = [f, c, a, ind('d', [6, 6]), b, ind('e', [2, 2], 0.1), ind('g', [], Infinity), ind('h', [4, 6])];
  assert.deepEqual(constrainedFronts(pop).map((f) => [...f].sort()), [[2, 7], [3], [4, 5], [1], [0, 6]]);
});

test('survival keeps whole fronts and truncates the last by crowding, then trial name', () => {
  const pop = [ind('p0', [0, 4]), ind('p1', [1, 3]), ind('p2', [2, 2]), ind('p3', [3, 1]), ind('p4', [4, 0]), ind('q', [5, 5]), ind('z', [], Infinity)];
  // First front has 5 members; keep 3: the two boundaries, then one inner member (all inner ones have crowding 2/4 + 2/4).
  const kept = survive(pop, 3).map((i) => pop[i].trial);
  assert.deepEqual(kept.slice(0, 2).sort(), ['p0', 'p4']);
  assert.equal(kept[2], 'p1', 'equal crowding: the smaller trial name');
  assert.deepEqual(survive(pop, 7).slice(5).map((i) => pop[i].trial), ['q', 'z']);
  // Result depends on the set only, up to equal crowding resolved by name.
  const shuffled = Rng.seeded(3).shuffle(pop);
  assert.deepEqual(survive(shuffled, 6).map((i) => shuffled[i].trial), survive(pop, 6).map((i) => pop[i].trial));
});

test('binary tournament prefers lower rank, then larger crowding', () => {
  const pop = [ind('a', [0, 0]), ind('b', [1, 1]), ind('c', [2, 2]), ind('d', [], Infinity)];
  const ranking = rankAndCrowd(pop);
  const rng = Rng.seeded(9);
  const wins = [0, 0, 0, 0];
  for (let k = 0; k < 600; k++) wins[binaryTournament(pop, ranking, rng)]++;
  // a wins every tournament it enters (half of them); d never wins.
  assert.ok(wins[0] > wins[1] && wins[1] > wins[2] && wins[3] === 0, String(wins));
  assert.equal(wins[0], wins.reduce((s, w) => s + w, 0) - wins[1] - wins[2]);
});
