import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SearchEngine, type SearchSettings } from '../../search/engine.js';
import type { AlgorithmSpec } from '../../search/experiment/spec.js';
import { genomeHash } from '../../search/hash.js';
import { Rng } from '../../search/random.js';
import type { TrialResult } from '../../search/trial.js';
import { dominates } from '../../search/algorithms/sort.js';
import { bitSpace, evaluate } from './bitspace.js';

const space = bitSpace(16);

function settings(algorithm: Partial<AlgorithmSpec> = {}, rest: Partial<SearchSettings> = {}): SearchSettings {
  return {
    space,
    objectives: ['error', 'flops'],
    constraints: {},
    algorithm: {
      name: 'nsga2',
      populationSize: 12,
      offspringSize: 12,
      generations: 6,
      crossoverProbability: 0.9,
      mutationRate: 1 / 16,
      seed: 1,
      initialGenomes: [],
      ...algorithm,
    },
    ...rest,
  };
}

/** Runs to the end, telling each generation's results in an order drawn from `tellOrder`. */
function run(engine: SearchEngine, failSuffix?: string, tellOrder?: Rng): SearchEngine {
  while (!engine.done) {
    let pending = engine.ask().map((c) => evaluate(c, failSuffix));
    if (tellOrder) pending = tellOrder.shuffle(pending);
    // Tell in uneven chunks too.
    while (pending.length > 0) engine.tell(pending.splice(0, tellOrder ? 1 + tellOrder.int(5) : pending.length));
  }
  return engine;
}

const jsonRoundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

test('a full NSGA-II run: sizes, no duplicates, a mutually non-dominated front equal to brute force', () => {
  const engine = run(SearchEngine.create(settings()));
  const history = engine.history();
  assert.equal(history.length, 12 + 6 * 12);
  assert.equal(engine.generation, 6);
  assert.equal(new Set(history.map((h) => h.trial)).size, history.length, 'no genome evaluated twice');
  for (const h of history) assert.equal(h.trial, genomeHash(space.name, h.genome));
  const vec = (o: { error?: number; flops?: number }) => [o.error as number, o.flops as number];
  const brute = history.filter((h) => !history.some((k) => dominates(vec(k.objectives), vec(h.objectives))));
  const front = engine.front();
  assert.deepEqual(front.map((f) => f.trial).sort(), brute.map((b) => b.trial).sort());
  for (let i = 1; i < front.length; i++) assert.ok(front[i - 1].objectives.error! <= front[i].objectives.error!, 'sorted by first objective');
  assert.ok(engine.hypervolume() > 0);
  assert.ok(front.some((f) => f.trial === engine.knee()?.trial));
  assert.deepEqual(engine.ask(), []);
  assert.throws(() => engine.tell([evaluate(history[0])]), /already told/);
});

test('ask is idempotent and tell validates before recording anything', () => {
  const engine = SearchEngine.create(settings());
  const first = engine.ask();
  assert.equal(first.length, 12);
  assert.deepEqual(engine.ask(), first);
  assert.ok(first.every((c) => c.generation === 0));
  const ok = evaluate(first[0]);
  const unasked = genomeHash(space.name, '1'.repeat(16));
  assert.ok(!first.some((c) => c.trial === unasked));
  assert.throws(() => engine.tell([ok, evaluate({ trial: unasked, genome: '1'.repeat(16) })]), new RegExp(`results\\[1\\]\\.trial: ${unasked} was never asked for`));
  assert.throws(() => engine.tell([{ trial: first[1].trial, status: 'Succeeded', objectives: { error: 3 } }]), /results\[0\]\.objectives\.flops is missing/);
  assert.throws(() => engine.tell([{ trial: first[1].trial, status: 'Succeeded', objectives: { error: 3, flops: NaN } }]), /flops must be a finite number/);
  assert.throws(() => engine.tell([ok, ok]), /appears twice/);
  assert.throws(() => engine.tell([{ trial: 42, status: 'Succeeded', objectives: {} } as never]), /results\[0\]\.trial: expected the trial name a candidate was asked with, got 42/);
  assert.throws(() => engine.tell([{ trial: first[1].trial, status: 'Done', objectives: {} } as never]), /results\[0\]\.status: expected Succeeded or Failed, got "Done"/);
  assert.equal(engine.ask().length, 12, 'nothing recorded by failed calls');
  engine.tell([ok]);
  assert.deepEqual(engine.ask(), first.slice(1));
  assert.throws(() => engine.tell([ok]), /already told \(Succeeded\)/);
});

test('a run serialised at any point and resumed ends exactly as an uninterrupted one', () => {
  for (const algorithm of ['nsga2', 'random'] as const) {
    const s = settings({ name: algorithm, seed: 7 });
    const reference = run(SearchEngine.create(s), '0101').toJSON();
    // Stop after k told evaluations (mid-generation included), serialise, restore, continue.
    for (const stopAt of [0, 1, 5, 12, 13, 30, 47, 70]) {
      let engine = SearchEngine.create(s);
      let told = 0;
      while (!engine.done) {
        for (const c of engine.ask()) {
          if (told === stopAt) engine = SearchEngine.restore(s, jsonRoundTrip(engine.toJSON()));
          engine.tell([evaluate(c, '0101')]);
          told++;
        }
      }
      assert.deepEqual(engine.toJSON(), reference, `${algorithm}, resumed after ${stopAt} evaluations`);
    }
  }
});

test('results do not depend on the order evaluations of a generation are told in', () => {
  const s = settings({ seed: 3 });
  const reference = run(SearchEngine.create(s), '11');
  for (let k = 0; k < 4; k++) {
    const permuted = run(SearchEngine.create(s), '11', Rng.seeded(100 + k));
    assert.deepEqual(permuted.toJSON(), reference.toJSON());
    assert.deepEqual(permuted.front(), reference.front());
    assert.deepEqual(permuted.history(), reference.history());
  }
});

test('different seeds give different runs; the same seed the same', () => {
  const a = run(SearchEngine.create(settings({ seed: 1 }))).front();
  const b = run(SearchEngine.create(settings({ seed: 1 }))).front();
  const c = run(SearchEngine.create(settings({ seed: 2 }))).front();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('duplicates are eliminated until the space runs out, which ends the run early', () => {
  const tiny = bitSpace(5); // 32 genomes
  const engine = run(SearchEngine.create({ ...settings({ populationSize: 8, offspringSize: 8, generations: 10 }), space: tiny }));
  const trials = engine.history().map((h) => h.trial);
  assert.equal(new Set(trials).size, trials.length);
  assert.equal(trials.length, 32, 'every genome once, then done');
  assert.ok(engine.done && engine.generation < 10);
});

test('failed trials and constraints: the front holds feasible successes only', () => {
  const s = settings({ seed: 4 }, { constraints: { maxError: 50 } });
  const engine = run(SearchEngine.create(s), '1');
  const history = engine.history();
  const failed = history.filter((h) => h.status === 'Failed');
  assert.ok(failed.length > 0 && failed.every((h) => h.genome.endsWith('1')));
  assert.ok(history.some((h) => h.status === 'Succeeded' && h.objectives.error! > 50), 'some trials were infeasible');
  for (const f of engine.front()) {
    assert.ok(f.objectives.error! <= 50);
    assert.ok(!f.genome.endsWith('1'));
  }
  // Elitist survival keeps feasible trials over infeasible and failed ones while there are enough.
  const byTrial = new Map(history.map((h) => [h.trial, h]));
  const population = engine.toJSON().population.map((t) => byTrial.get(t)!);
  assert.equal(population.length, 12);
  for (const p of population) assert.ok(p.status === 'Succeeded' && p.objectives.error! <= 50, JSON.stringify(p));
});

test('reference point: from the spec, else nadir + 10% of the range over feasible generation-0 trials', () => {
  const given = SearchEngine.create(settings({ referencePoint: { error: 200, flops: 2e7 } }));
  assert.deepEqual(given.referencePoint(), [200, 2e7]);
  const engine = SearchEngine.create(settings({ seed: 5 }));
  assert.equal(engine.referencePoint(), undefined);
  assert.equal(engine.hypervolume(), 0);
  const gen0 = engine.ask().map((c) => evaluate(c));
  engine.tell(gen0);
  const values = (k: 'error' | 'flops') => gen0.map((e) => (e.objectives as Record<string, number>)[k]);
  const expected = (['error', 'flops'] as const).map((k) => Math.max(...values(k)) + 0.1 * (Math.max(...values(k)) - Math.min(...values(k))));
  assert.deepEqual(engine.referencePoint(), expected);
  run(engine);
  assert.deepEqual(engine.referencePoint(), expected, 'fixed once');
  assert.throws(() => SearchEngine.create(settings({ referencePoint: { error: 1 } })), /spec\.algorithm\.referencePoint\.flops: expected a finite number/);
  assert.throws(() => SearchEngine.create(settings({ referencePoint: { error: 1, flops: 2, params: 3 } })), /referencePoint\.params: expected one of the objectives/);
});

test('initial genomes seed generation 0; bad ones are named', () => {
  const seeds = ['0'.repeat(16), '1'.repeat(16)];
  const engine = SearchEngine.create(settings({ initialGenomes: seeds }));
  assert.deepEqual(engine.ask().slice(0, 2).map((c) => c.genome), seeds);
  assert.equal(engine.ask().length, 12);
  assert.throws(() => SearchEngine.create(settings({ initialGenomes: ['0'.repeat(16), '012'] })), /spec\.algorithm\.initialGenomes\[1\]: bits genome: at position/);
});

test('random search: uniform generations, front = non-dominated of everything evaluated', () => {
  const engine = run(SearchEngine.create(settings({ name: 'random', offspringSize: 5, generations: 4 })));
  assert.equal(engine.history().length, 12 + 4 * 5);
  assert.deepEqual(engine.toJSON().population, []);
  const all = engine.history();
  for (const f of engine.front()) assert.ok(!all.some((h) => dominates([h.objectives.error!, h.objectives.flops!], [f.objectives.error!, f.objectives.flops!])));
});

test('NSGA-II finds a better front than random search with the same budget (3 seeds, 2 and 3 objectives)', () => {
  for (const objectives of [['error', 'flops'], ['error', 'flops', 'params']] as const) {
    let nsga = 0;
    let rand = 0;
    for (const seed of [1, 2, 3]) {
      const ref = { error: 110, flops: 1.1e7, params: 11000 };
      const referencePoint = Object.fromEntries(objectives.map((o) => [o, ref[o]]));
      const base = { populationSize: 20, offspringSize: 20, generations: 14, seed, referencePoint };
      nsga += run(SearchEngine.create(settings(base, { objectives }))).hypervolume();
      rand += run(SearchEngine.create(settings({ ...base, name: 'random' }, { objectives }))).hypervolume();
    }
    assert.ok(nsga > rand, `${objectives.join('+')}: nsga2 ${nsga} vs random ${rand}`);
  }
});

test('restore refuses other settings and corrupt states, naming the field', () => {
  const s = settings();
  const engine = SearchEngine.create(s);
  engine.tell(engine.ask().slice(0, 3).map((c) => evaluate(c)));
  const state = jsonRoundTrip(engine.toJSON());
  assert.throws(() => SearchEngine.restore(settings({ seed: 2 }), state), /engine state: algorithm: expected the settings/);
  assert.throws(() => SearchEngine.restore({ ...s, objectives: ['flops', 'error'] }, state), /engine state: objectives/);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form edits of a JSON document
  type Json = Record<string, any>;
  const corrupt = (edit: (st: Json) => void) => {
    const st = jsonRoundTrip(state) as unknown as Json;
    edit(st);
    return () => SearchEngine.restore(s, st as never);
  };
  assert.throws(corrupt((st) => (st.rng = [0, 0, 0, 0])), /engine state: rng/);
  assert.throws(corrupt((st) => (st.trials[2].trial = '0000000000000000')), /trials\[2\]\.trial: expected the genome's hash/);
  assert.throws(corrupt((st) => (st.trials[1].objectives.error = 'x')), /trials\[1\]\.objectives\.error: expected a finite number/);
  assert.throws(corrupt((st) => (st.trials[0].genome = '2'.repeat(16))), /trials\[0\]\.genome: expected a valid bits genome/);
  assert.throws(corrupt((st) => (st.version = 9)), /engine state: version/);
  assert.throws(corrupt((st) => st.trials.forEach((t: Record<string, unknown>) => Object.assign(t, { status: 'Failed', objectives: {} }))), /pending trials/);
  assert.doesNotThrow(corrupt(() => {}));
});

test('a Failed evaluation needs no objectives; a failed generation 0 defers the reference point', () => {
  const engine = SearchEngine.create(settings({ populationSize: 4, offspringSize: 4, generations: 2 }));
  const failAll = (): TrialResult[] => engine.ask().map((c) => ({ trial: c.trial, status: 'Failed', objectives: {}, reason: 'oom' }));
  engine.tell(failAll());
  assert.equal(engine.referencePoint(), undefined);
  assert.deepEqual(engine.front(), []);
  assert.equal(engine.knee(), undefined);
  assert.equal(engine.history()[0].reason, 'oom');
  engine.tell(engine.ask().map((c) => evaluate(c)));
  assert.ok(engine.referencePoint(), 'fixed from the first generation with successes');
});
