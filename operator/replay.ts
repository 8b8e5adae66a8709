// Replay: the engine of an experiment rebuilt from its recorded results. The engine is
// deterministic (same seed, same results, same genomes), so telling it the final NASTrials
// generation by generation reproduces the search; the engine a process keeps per experiment
// is only a cache of that. Replay yields to the event loop between generations: after a
// restart an experiment of 100k trials replays for seconds, and the lease must be renewed
// (and other experiments served) meanwhile.
// The cache is checked against the record on every replay (level-triggered): the cached
// engine remembers the resourceVersion and outcome of each NASTrial it was told, and when a
// recorded result changed or vanished since (an edit to a NASTrial's status), the engine is
// rebuilt from the record, exactly as a restarted operator would build it.
import { SearchEngine, type SearchSettings } from '../search/engine.js';
import { canonicalJson } from '../search/engine-state.js';
import type { ObjectiveName, Objectives } from '../search/objectives.js';
import { settingsKey, toResult } from '../search/study.js';
import type { Candidate } from '../search/trial.js';
import { trialName } from './naming.js';
import { isFinal, type TrialObject } from './types.js';

export interface ReplayInput {
  /** The experiment's name (prefix of its trial names). */
  readonly experiment: string;
  readonly settings: SearchSettings;
  readonly required: readonly ObjectiveName[];
  /** The experiment's NASTrials by name. */
  readonly trials: ReadonlyMap<string, TrialObject>;
}

/** One experiment's cached engine, the settings it was built for and what it was told. */
export interface CachedEngine {
  readonly key: string;
  readonly engine: SearchEngine;
  /** Per NASTrial told: its resourceVersion and its outcome's fingerprint then. */
  readonly told: Map<string, { rv: string | undefined; outcome: string }>;
}

export interface Replayed {
  readonly entry: CachedEngine;
  /** Why the cached engine was thrown away and rebuilt (recorded results changed), if it was. */
  readonly rebuilt?: string;
}

/** Hands the event loop a turn (timers, I/O: the lease renewal) before going on. */
export const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The engine after telling it every generation whose trials are all final, continuing from
 * `cached` when it was built for these settings. Throws on a recorded genome that is not the
 * candidate's (two hashes sharing their first 12 digits).
 */
export async function replay(cached: CachedEngine | undefined, input: ReplayInput): Promise<Replayed> {
  const key = settingsKey(input.settings);
  const diverged = cached && cached.key === key ? divergence(cached, input.trials) : undefined;
  const entry = cached && cached.key === key && !diverged ? cached : { key, engine: SearchEngine.create(input.settings), told: new Map() };
  const { engine, told } = entry;
  while (!engine.done) {
    const asked = engine.ask();
    const recorded = asked.map((c) => input.trials.get(trialName(input.experiment, c.trial)));
    if (recorded.some((t) => !t || !isFinal(t))) break;
    const outcomes = asked.map((c, i) => recordedOutcome(recorded[i]!, c));
    engine.tell(asked.map((c, i) => toResult(c.trial, outcomes[i], input.required)));
    recorded.forEach((t, i) => told.set(t!.metadata.name, { rv: t!.metadata.resourceVersion, outcome: fingerprint(outcomes[i]) }));
    await yieldTurn();
  }
  return diverged ? { entry, rebuilt: diverged } : { entry };
}

/** The first told NASTrial whose recorded result is no longer what the engine was told, in words. */
function divergence(cached: CachedEngine, trials: ReadonlyMap<string, TrialObject>): string | undefined {
  let changed = 0;
  let first = '';
  for (const [name, was] of cached.told) {
    const t = trials.get(name);
    if (t && t.metadata.resourceVersion !== undefined && t.metadata.resourceVersion === was.rv) continue;
    // A new resourceVersion may be a label edit: only a different outcome counts.
    if (t && isFinal(t) && fingerprint(outcomeOf(t)) === was.outcome) {
      was.rv = t.metadata.resourceVersion;
      continue;
    }
    changed++;
    first ||= `NASTrial ${name} ${!t ? 'is gone' : !isFinal(t) ? `is ${t.status?.phase ?? 'Pending'} again` : 'has another result'}`;
  }
  return changed === 0 ? undefined : `${changed} recorded result(s) changed since the engine was told them (${first})`;
}

type Outcome = { status: 'Succeeded' | 'Failed'; objectives: Objectives; reason: string };

const fingerprint = (o: Outcome): string => canonicalJson(o);

function outcomeOf(t: TrialObject): Outcome {
  return { status: t.status!.phase === 'Succeeded' ? 'Succeeded' : 'Failed', objectives: t.status?.objectives ?? {}, reason: t.status?.reason ?? 'Failed' };
}

/** A final NASTrial's result as the engine takes it; its genome must be the candidate's (else two hashes share a prefix). */
function recordedOutcome(t: TrialObject, c: Candidate): Outcome {
  if (t.spec.genome !== c.genome) throw new Error(`NASTrial ${t.metadata.name} holds genome ${t.spec.genome}, not ${c.genome} (hash prefix collision)`);
  return outcomeOf(t);
}
