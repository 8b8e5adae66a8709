// Replay: the engine of an experiment rebuilt from its recorded results. The engine is
// deterministic (same seed, same results, same genomes), so telling it the final NASTrials
// generation by generation reproduces the search; the engine a process keeps per experiment
// is only a cache of that. Replay yields to the event loop between generations: after a
// restart an experiment of 100k trials replays for seconds, and the lease must be renewed
// (and other experiments served) meanwhile.
import { SearchEngine, type SearchSettings } from '../search/engine.js';
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

/** One experiment's cached engine and the settings it was built for. */
export interface CachedEngine {
  readonly key: string;
  readonly engine: SearchEngine;
}

/** Hands the event loop a turn (timers, I/O: the lease renewal) before going on. */
export const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The engine after telling it every generation whose trials are all final, continuing from
 * `cached` when it was built for these settings. Throws on a recorded genome that is not the
 * candidate's (two hashes sharing their first 12 digits).
 */
export async function replay(cached: CachedEngine | undefined, input: ReplayInput): Promise<CachedEngine> {
  const key = settingsKey(input.settings);
  const entry = cached && cached.key === key ? cached : { key, engine: SearchEngine.create(input.settings) };
  const { engine } = entry;
  while (!engine.done) {
    const asked = engine.ask();
    const recorded = asked.map((c) => input.trials.get(trialName(input.experiment, c.trial)));
    if (recorded.some((t) => !t || !isFinal(t))) break;
    engine.tell(asked.map((c, i) => toResult(c.trial, recordedOutcome(recorded[i]!, c), input.required)));
    await yieldTurn();
  }
  return entry;
}

/** A final NASTrial's result as the engine takes it; its genome must be the candidate's (else two hashes share a prefix). */
function recordedOutcome(t: TrialObject, c: Candidate): { status: 'Succeeded' | 'Failed'; objectives: Objectives; reason: string } {
  if (t.spec.genome !== c.genome) throw new Error(`NASTrial ${t.metadata.name} holds genome ${t.spec.genome}, not ${c.genome} (hash prefix collision)`);
  return { status: t.status!.phase === 'Succeeded' ? 'Succeeded' : 'Failed', objectives: t.status?.objectives ?? {}, reason: t.status?.reason ?? 'Failed' };
}
