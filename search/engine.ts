// The search engine: ask() for candidates, tell() their evaluations, repeat until done. It is
// pure and deterministic: everything random comes from one Rng seeded by `algorithm.seed`, the
// whole state is plain JSON (toJSON / restore), and a generation's outcome does not depend on
// the order its evaluations are told in (selection sorts by trial name where ties matter).
//
// Generations: generation 0 holds `populationSize` candidates (`initialGenomes` first, then
// uniform samples); each of the `generations` later ones holds `offspringSize` candidates. So a
// full run evaluates populationSize + generations * offspringSize genomes, unless the space
// runs out of unseen genomes first (then a generation is shorter, and an empty one ends the run).
// `nsga2`: offspring by tournament, crossover and mutation; parents + offspring compete in
// elitist survival. `random`: every generation is a fresh uniform sample.
// Hypervolume reference point: `algorithm.referencePoint` if given; otherwise fixed once, when
// the first generation with successful trials (normally generation 0) is complete, at
// nadir + 10% of the range per objective over its feasible trials (all successful ones if none
// is feasible; a zero range adds 10% of |nadir|, or 1 when the nadir is 0). It is recorded in
// the state and never moves, so hypervolumes of different generations compare.
import type { AlgorithmSpec, ConstraintsSpec } from './experiment/spec.js';
import { canonicalJson, ENGINE_STATE_VERSION, validateState, type EngineState, type TrialRecord } from './engine-state.js';
import { genomeHash } from './hash.js';
import { hypervolume } from './hypervolume.js';
import { kneeIndex } from './knee.js';
import { OBJECTIVE_NAMES, type Evaluation, type ObjectiveName, type Objectives, type TrialStatus } from './objectives.js';
import { Rng } from './random.js';
import { constrainedObjectives, violation, type Individual } from './algorithms/constrained.js';
import { breedInto } from './algorithms/nsga2.js';
import { sampleInto } from './algorithms/random.js';
import { nonDominatedSort } from './algorithms/sort.js';
import { rankAndCrowd, survive } from './algorithms/survival.js';
import { UniqueBatch } from './algorithms/unique.js';
import type { SearchSpace } from './space.js';

export type { EngineState } from './engine-state.js';

export interface EngineSettings {
  readonly space: SearchSpace;
  readonly objectives: readonly ObjectiveName[];
  readonly constraints: ConstraintsSpec;
  readonly algorithm: AlgorithmSpec;
}

export interface Candidate {
  /** genomeHash(space, genome): the trial's name. */
  readonly trial: string;
  /** Canonical genome string. */
  readonly genome: string;
  readonly generation: number;
}

export interface FrontMember {
  readonly trial: string;
  readonly genome: string;
  readonly objectives: Objectives;
}

export interface HistoryEntry {
  readonly trial: string;
  readonly genome: string;
  readonly generation: number;
  readonly status: TrialStatus;
  readonly objectives: Objectives;
  readonly reason?: string;
}

export class Engine {
  private readonly byTrial = new Map<string, TrialRecord>();
  /** Objectives a successful evaluation must report: the optimised ones, then constrained ones. */
  private readonly required: readonly ObjectiveName[];

  private constructor(
    private readonly settings: EngineSettings,
    private readonly rng: Rng,
    private gen: number,
    private finished: boolean,
    private reference: number[] | null,
    private readonly trials: TrialRecord[],
    private population: string[],
  ) {
    for (const t of trials) this.byTrial.set(t.trial, t);
    this.required = [...new Set([...settings.objectives, ...constrainedObjectives(settings.constraints)])];
  }

  static create(settings: EngineSettings): Engine {
    checkSettings(settings);
    const { space, algorithm } = settings;
    const engine = new Engine(settings, Rng.seeded(algorithm.seed), 0, false, specReference(settings), [], []);
    const batch = new UniqueBatch(space, engine.byTrial);
    algorithm.initialGenomes.forEach((text, i) => {
      try {
        batch.add(space.parse(text));
      } catch (e) {
        throw new Error(`spec.algorithm.initialGenomes[${i}]: ${(e as Error).message}`);
      }
    });
    sampleInto(space, engine.rng, batch, algorithm.populationSize);
    engine.propose(batch, 0);
    return engine;
  }

  /** Resumes from a state made by toJSON() under the same settings (validated; mismatches are errors). */
  static restore(settings: EngineSettings, state: EngineState): Engine {
    checkSettings(settings);
    const valid = validateState(state, snapshot(settings), settings.space);
    const trials = valid.trials.map((t) => ({ ...t, objectives: t.objectives && { ...t.objectives } }));
    return new Engine(settings, Rng.fromState(valid.rng), valid.generation, valid.done, valid.referencePoint && [...valid.referencePoint], trials, [...valid.population]);
  }

  get generation(): number {
    return this.gen;
  }

  get done(): boolean {
    return this.finished;
  }

  /** The current generation's candidates still awaiting results, in creation order. */
  ask(): Candidate[] {
    return this.trials.filter((t) => t.status === 'Pending').map(({ trial, genome, generation }) => ({ trial, genome, generation }));
  }

  /** Records evaluations of pending candidates (any subset, any order); all are checked before any is recorded. */
  tell(evaluations: readonly Evaluation[]): void {
    const updates: [TrialRecord, TrialStatus, Objectives, string | undefined][] = [];
    const inCall = new Set<string>();
    evaluations.forEach((e, i) => {
      const at = `evaluations[${i}]`;
      if (typeof e?.genome !== 'string') throw new Error(`tell: ${at}.genome: expected a genome string, got ${JSON.stringify(e?.genome)}`);
      const record = this.pendingRecord(e.genome, at);
      if (inCall.has(record.trial)) throw new Error(`tell: ${at}: genome ${record.genome} (trial ${record.trial}) appears twice in one call`);
      inCall.add(record.trial);
      const status: unknown = e.status;
      if (status !== 'Succeeded' && status !== 'Failed') throw new Error(`tell: ${at}.status: expected Succeeded or Failed, got ${JSON.stringify(status)}`);
      updates.push([record, e.status, this.readObjectives(e, at, record), e.status === 'Failed' ? String(e.reason ?? '') : undefined]);
    });
    for (const [record, status, objectives, reason] of updates) {
      record.status = status;
      record.objectives = objectives;
      if (reason !== undefined) record.reason = reason;
    }
    if (!this.finished && updates.length > 0 && this.trials.every((t) => t.status !== 'Pending')) this.advance();
  }

  /** Non-dominated feasible trials of everything evaluated, sorted by the objectives in order, then trial. */
  front(): FrontMember[] {
    const feasible = this.trials.filter((t) => t.status === 'Succeeded' && this.violationOf(t) === 0);
    const vectors = feasible.map((t) => this.vector(t));
    const [first = []] = nonDominatedSort(vectors);
    first.sort((a, b) => compareVectors(vectors[a], vectors[b]) || (feasible[a].trial < feasible[b].trial ? -1 : 1));
    return first.map((i) => ({ trial: feasible[i].trial, genome: feasible[i].genome, objectives: { ...feasible[i].objectives } }));
  }

  /** Hypervolume of the front against the fixed reference point (0 before it is fixed). */
  hypervolume(): number {
    if (!this.reference) return 0;
    return hypervolume(this.front().map((f) => this.vector(f)), this.reference);
  }

  referencePoint(): number[] | undefined {
    return this.reference ? [...this.reference] : undefined;
  }

  /** The front's knee point (see knee.ts), or undefined while the front is empty. */
  knee(): FrontMember | undefined {
    const front = this.front();
    const i = kneeIndex(front.map((f) => this.vector(f)));
    return i === undefined ? undefined : front[i];
  }

  /** Every evaluated trial, by generation then creation order (independent of tell order). */
  history(): HistoryEntry[] {
    return this.trials
      .filter((t) => t.status !== 'Pending')
      .map((t) => ({
        trial: t.trial,
        genome: t.genome,
        generation: t.generation,
        status: t.status as TrialStatus,
        objectives: { ...t.objectives },
        ...(t.reason !== undefined ? { reason: t.reason } : {}),
      }));
  }

  toJSON(): EngineState {
    return JSON.parse(
      JSON.stringify({
        version: ENGINE_STATE_VERSION,
        ...snapshot(this.settings),
        generation: this.gen,
        done: this.finished,
        rng: this.rng.state(),
        referencePoint: this.reference,
        trials: this.trials,
        population: this.population,
      }),
    ) as EngineState;
  }

  private pendingRecord(text: string, at: string): TrialRecord {
    let canonical: string;
    try {
      canonical = this.settings.space.serialize(this.settings.space.parse(text));
    } catch (e) {
      throw new Error(`tell: ${at}.genome: ${(e as Error).message}`);
    }
    const record = this.byTrial.get(genomeHash(this.settings.space.name, canonical));
    if (!record) throw new Error(`tell: ${at}.genome: ${canonical} was never asked for`);
    if (record.status !== 'Pending') throw new Error(`tell: ${at}.genome: ${canonical} (trial ${record.trial}) was already told (${record.status})`);
    return record;
  }

  private readObjectives(e: Evaluation, at: string, record: TrialRecord): Objectives {
    const given = (e.objectives ?? {}) as Record<string, unknown>;
    const out: Objectives = {};
    for (const name of OBJECTIVE_NAMES) {
      const v = given[name];
      if (typeof v === 'number' && Number.isFinite(v)) out[name] = v;
      else if (e.status === 'Succeeded' && this.required.includes(name)) {
        const what = v === undefined ? 'is missing' : `must be a finite number, got ${JSON.stringify(v)}`;
        throw new Error(`tell: ${at}.objectives.${name} ${what} (genome ${record.genome}, trial ${record.trial})`);
      }
    }
    return out;
  }

  private vector(t: { objectives?: Objectives }): number[] {
    return this.settings.objectives.map((name) => t.objectives?.[name] as number);
  }

  private violationOf(t: TrialRecord): number {
    return violation(this.settings.constraints, t.status as TrialStatus, t.objectives ?? {});
  }

  private individual(t: TrialRecord): Individual {
    const v = this.violationOf(t);
    return { trial: t.trial, objectives: t.status === 'Succeeded' ? this.vector(t) : [], violation: v };
  }

  /** Adds a batch as the given generation's candidates; an empty batch ends the run. */
  private propose(batch: UniqueBatch<unknown>, generation: number): void {
    if (batch.size === 0) {
      this.finished = true;
      return;
    }
    this.gen = generation;
    for (const { trial, genome } of batch.proposals) {
      const record: TrialRecord = { trial, genome, generation, status: 'Pending' };
      this.trials.push(record);
      this.byTrial.set(trial, record);
    }
  }

  /** The current generation is fully told: fix the reference point, select, and breed the next. */
  private advance(): void {
    const { space, algorithm } = this.settings;
    const current = this.trials.filter((t) => t.generation === this.gen);
    if (!this.reference) this.reference = this.referenceFrom(current);
    if (algorithm.name === 'nsga2') {
      // Survival sees the candidates sorted by trial name, so it is a function of the set.
      const pool = [...this.population.map((p) => this.byTrial.get(p) as TrialRecord), ...current].sort((a, b) => (a.trial < b.trial ? -1 : 1));
      this.population = survive(pool.map((t) => this.individual(t)), algorithm.populationSize).map((i) => pool[i].trial);
    }
    if (this.gen >= algorithm.generations) {
      this.finished = true;
      return;
    }
    const batch = new UniqueBatch(space, this.byTrial);
    if (algorithm.name === 'nsga2') {
      const parents = this.population.map((p) => this.byTrial.get(p) as TrialRecord);
      const individuals = parents.map((t) => this.individual(t));
      const genomes = parents.map((t) => space.parse(t.genome));
      breedInto(space, this.rng, { individuals, genomes, ranking: rankAndCrowd(individuals) }, algorithm, batch, algorithm.offspringSize);
    } else {
      sampleInto(space, this.rng, batch, algorithm.offspringSize);
    }
    this.propose(batch, this.gen + 1);
  }

  private referenceFrom(trials: readonly TrialRecord[]): number[] | null {
    const succeeded = trials.filter((t) => t.status === 'Succeeded');
    const feasible = succeeded.filter((t) => this.violationOf(t) === 0);
    const basis = (feasible.length > 0 ? feasible : succeeded).map((t) => this.vector(t));
    if (basis.length === 0) return null;
    return this.settings.objectives.map((_, j) => {
      const values = basis.map((v) => v[j]);
      const nadir = Math.max(...values);
      const range = nadir - Math.min(...values);
      return nadir + (range > 0 ? 0.1 * range : nadir !== 0 ? 0.1 * Math.abs(nadir) : 1);
    });
  }
}

function snapshot(settings: EngineSettings): Pick<EngineState, 'space' | 'objectives' | 'constraints' | 'algorithm'> {
  return JSON.parse(
    canonicalJson({ space: settings.space.name, objectives: settings.objectives, constraints: settings.constraints, algorithm: settings.algorithm }),
  );
}

function specReference(settings: EngineSettings): number[] | null {
  const given = settings.algorithm.referencePoint;
  if (!given) return null;
  return settings.objectives.map((name) => given[name] as number);
}

function compareVectors(a: readonly number[], b: readonly number[]): number {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return a[j] < b[j] ? -1 : 1;
  return 0;
}

function checkSettings(settings: EngineSettings): void {
  const { objectives, algorithm: a } = settings;
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new Error(`${field}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  if (objectives.length === 0 || new Set(objectives).size !== objectives.length || objectives.some((o) => !(OBJECTIVE_NAMES as readonly string[]).includes(o))) {
    bad('spec.objectives', `distinct names from ${OBJECTIVE_NAMES.join(', ')}`, objectives);
  }
  if (a.name !== 'nsga2' && a.name !== 'random') bad('spec.algorithm.name', 'nsga2 or random', a.name);
  for (const key of ['populationSize', 'offspringSize'] as const) if (!Number.isInteger(a[key]) || a[key] < 1) bad(`spec.algorithm.${key}`, 'an integer >= 1', a[key]);
  if (!Number.isInteger(a.generations) || a.generations < 0) bad('spec.algorithm.generations', 'an integer >= 0', a.generations);
  if (!(a.crossoverProbability >= 0 && a.crossoverProbability <= 1)) bad('spec.algorithm.crossoverProbability', 'a number in [0, 1]', a.crossoverProbability);
  if (!(a.mutationRate >= 0 && a.mutationRate <= 1)) bad('spec.algorithm.mutationRate', 'a number in [0, 1]', a.mutationRate);
  if (!Number.isSafeInteger(a.seed)) bad('spec.algorithm.seed', 'an integer', a.seed);
  if (a.initialGenomes.length > a.populationSize) bad('spec.algorithm.initialGenomes', `at most populationSize (${a.populationSize}) genomes`, a.initialGenomes.length);
  if (a.referencePoint) {
    for (const name of objectives) {
      const v = a.referencePoint[name];
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(`spec.algorithm.referencePoint.${name}`, 'a finite number (one per objective)', v);
    }
    for (const name of Object.keys(a.referencePoint)) {
      if (!objectives.includes(name as ObjectiveName)) bad(`spec.algorithm.referencePoint.${name}`, `one of the objectives (${objectives.join(', ')})`, name);
    }
  }
}
