// The search engine: ask() for candidates, tell() their results, repeat until done. It is
// pure and deterministic: everything random comes from one Rng seeded by `algorithm.seed`, the
// whole state is plain JSON (toJSON / restore), and a generation's outcome does not depend on
// the order its results are told in (selection sorts by trial name where ties matter).
//
// Generations: generation 0 holds `populationSize` candidates (`initialGenomes` first, then
// uniform samples); each of the `generations` later ones holds `offspringSize` candidates,
// bred by the algorithm (algorithms/: nsga2, random) from the parents that survived. So a
// full run evaluates populationSize + generations * offspringSize genomes, unless the space
// runs out of unseen genomes first (then a generation is shorter, and an empty one ends the run).
// The hypervolume reference point is fixed as reference-point.ts says.
import type { Algorithm, AlgorithmContext } from './algorithms/algorithm.js';
import { constrainedObjectives, violation, type Individual } from './algorithms/constrained.js';
import { ALGORITHMS } from './algorithms/index.js';
import { sampleInto } from './algorithms/random.js';
import { nonDominatedSort } from './algorithms/sort.js';
import { UniqueBatch } from './algorithms/unique.js';
import { STATE_VERSION, validateState, type SearchState } from './engine-state.js';
import { hypervolume } from './hypervolume.js';
import { kneeIndex } from './knee.js';
import { OBJECTIVE_NAMES, type ObjectiveName, type Objectives } from './objectives.js';
import { Rng } from './random.js';
import { givenReference, referenceFrom } from './reference-point.js';
import { checkSettings, settingsSnapshot, type SearchSettings } from './settings.js';
import type { Candidate, EvaluatedTrial, FrontMember, TrialOutcome, TrialRecord, TrialResult } from './trial.js';

export type { SearchState } from './engine-state.js';
export type { SearchSettings } from './settings.js';
export type { Candidate, EvaluatedTrial, FrontMember, TrialResult } from './trial.js';

export class SearchEngine {
  private readonly byTrial = new Map<string, TrialRecord>();
  /** Objectives a successful evaluation must report: the optimised ones, then constrained ones. */
  private readonly required: readonly ObjectiveName[];
  private readonly algorithm: Algorithm;
  private readonly context: AlgorithmContext;

  private constructor(
    private readonly settings: SearchSettings,
    private readonly rng: Rng,
    private gen: number,
    private finished: boolean,
    private reference: number[] | null,
    private readonly trials: TrialRecord[],
    private population: string[],
  ) {
    for (const t of trials) this.byTrial.set(t.trial, t);
    this.required = [...new Set([...settings.objectives, ...constrainedObjectives(settings.constraints)])];
    this.algorithm = ALGORITHMS[settings.algorithm.name];
    this.context = { space: settings.space, rng, spec: settings.algorithm, individual: (t) => this.individual(t) };
  }

  static create(settings: SearchSettings): SearchEngine {
    checkSettings(settings);
    const { space, algorithm } = settings;
    const engine = new SearchEngine(settings, Rng.seeded(algorithm.seed), 0, false, givenReference(settings), [], []);
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
  static restore(settings: SearchSettings, state: SearchState): SearchEngine {
    checkSettings(settings);
    const valid = validateState(state, settingsSnapshot(settings), settings.space);
    const trials = valid.trials.map((t) => ({ ...t, objectives: t.objectives && { ...t.objectives } }));
    return new SearchEngine(settings, Rng.fromState(valid.rng), valid.generation, valid.done, valid.referencePoint && [...valid.referencePoint], trials, [...valid.population]);
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

  /** Records results of pending candidates by trial name (any subset, any order); all are checked before any is recorded. */
  tell(results: readonly TrialResult[]): void {
    const updates: [TrialRecord, TrialOutcome, Objectives, string | undefined][] = [];
    const inCall = new Set<string>();
    results.forEach((r, i) => {
      const at = `results[${i}]`;
      const record = this.pendingRecord(r?.trial, at);
      if (inCall.has(record.trial)) throw new Error(`tell: ${at}: trial ${record.trial} (genome ${record.genome}) appears twice in one call`);
      inCall.add(record.trial);
      const status: unknown = r.status;
      if (status !== 'Succeeded' && status !== 'Failed') throw new Error(`tell: ${at}.status: expected Succeeded or Failed, got ${JSON.stringify(status)}`);
      updates.push([record, r.status, this.readObjectives(r, at, record), r.status === 'Failed' ? String(r.reason ?? '') : undefined]);
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
  history(): EvaluatedTrial[] {
    return this.trials
      .filter((t) => t.status !== 'Pending')
      .map((t) => ({
        trial: t.trial,
        genome: t.genome,
        generation: t.generation,
        status: t.status as TrialOutcome,
        objectives: { ...t.objectives },
        ...(t.reason !== undefined ? { reason: t.reason } : {}),
      }));
  }

  toJSON(): SearchState {
    return JSON.parse(
      JSON.stringify({
        version: STATE_VERSION,
        ...settingsSnapshot(this.settings),
        generation: this.gen,
        done: this.finished,
        rng: this.rng.state(),
        referencePoint: this.reference,
        trials: this.trials,
        population: this.population,
      }),
    ) as SearchState;
  }

  private pendingRecord(trial: unknown, at: string): TrialRecord {
    if (typeof trial !== 'string') throw new Error(`tell: ${at}.trial: expected the trial name a candidate was asked with, got ${JSON.stringify(trial)}`);
    const record = this.byTrial.get(trial);
    if (!record) throw new Error(`tell: ${at}.trial: ${trial} was never asked for`);
    if (record.status !== 'Pending') throw new Error(`tell: ${at}.trial: ${trial} (genome ${record.genome}) was already told (${record.status})`);
    return record;
  }

  private readObjectives(r: TrialResult, at: string, record: TrialRecord): Objectives {
    const given = (r.objectives ?? {}) as Record<string, unknown>;
    const out: Objectives = {};
    for (const name of OBJECTIVE_NAMES) {
      const v = given[name];
      if (typeof v === 'number' && Number.isFinite(v)) out[name] = v;
      else if (r.status === 'Succeeded' && this.required.includes(name)) {
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
    return violation(this.settings.constraints, t.status as TrialOutcome, t.objectives ?? {});
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
    const current = this.trials.filter((t) => t.generation === this.gen);
    if (!this.reference) this.reference = this.referenceOf(current);
    // Survival sees the candidates sorted by trial name, so it is a function of the set.
    const pool = [...this.population.map((p) => this.byTrial.get(p) as TrialRecord), ...current].sort((a, b) => (a.trial < b.trial ? -1 : 1));
    this.population = this.algorithm.survive(this.context, pool).map((t) => t.trial);
    if (this.gen >= this.settings.algorithm.generations) {
      this.finished = true;
      return;
    }
    const batch = new UniqueBatch(this.settings.space, this.byTrial);
    const parents = this.population.map((p) => this.byTrial.get(p) as TrialRecord);
    this.algorithm.breed(this.context, parents, batch, this.settings.algorithm.offspringSize);
    this.propose(batch, this.gen + 1);
  }

  private referenceOf(trials: readonly TrialRecord[]): number[] | null {
    const succeeded = trials.filter((t) => t.status === 'Succeeded');
    const feasible = succeeded.filter((t) => this.violationOf(t) === 0);
    return referenceFrom(succeeded.map((t) => this.vector(t)), feasible.map((t) => this.vector(t)), this.settings.objectives.length);
  }
}

function compareVectors(a: readonly number[], b: readonly number[]): number {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return a[j] < b[j] ? -1 : 1;
  return 0;
}
