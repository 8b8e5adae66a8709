// Files a local run writes to its output directory:
//   trials.jsonl  one line per evaluated trial, appended as results arrive
//   state.json    the engine state after every generation (for --resume)
//   front.json    the final Pareto front (deterministic: no timings)
//   summary.json  counts, hypervolume, reference point, knee, seed, wall time
//   pareto.svg    every evaluated trial and the front
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchState } from '../search/engine.js';
import type { TrialReport } from '../evaluator/evaluate.js';
import { fileError, makeDirs, writeFileAtomic } from '../evaluator/data/files.js';

/** A line of trials.jsonl: a trial's report without its stats, and its generation. */
export type TrialLine = Omit<TrialReport, 'stats'> & { readonly generation: number };

export class RunDir {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Starts afresh: removes the outputs of an earlier run in the same directory. */
  reset(): void {
    makeDirs(this.dir);
    for (const f of ['trials.jsonl', 'state.json', 'front.json', 'summary.json', 'pareto.svg']) rmSync(this.path(f), { force: true });
  }

  readState(): SearchState | undefined {
    const file = this.path('state.json');
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as SearchState;
    } catch (err) {
      throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
    }
  }

  /** On resume: keeps one line per trial the restored engine was told of, drops the rest (an interrupted generation is evaluated again). */
  keepTrials(told: ReadonlySet<string>): void {
    const file = this.path('trials.jsonl');
    const kept = new Map<string, string>();
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          const trial = (JSON.parse(line) as TrialLine).trial;
          if (told.has(trial) && !kept.has(trial)) kept.set(trial, line);
        } catch {
          // A line cut short by the interruption: its trial is evaluated again.
        }
      }
    }
    // Replaced, not rewritten in place: a kill mid-write leaves the old file whole.
    writeFileAtomic(file, [...kept.values()].map((l) => `${l}\n`).join(''));
  }

  appendTrial(line: TrialLine): void {
    const file = this.path('trials.jsonl');
    try {
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    } catch (err) {
      throw fileError(file, 'append to', err);
    }
  }

  /** Written to a temporary file and renamed, so an interruption never leaves half a file. */
  writeJson(name: string, value: unknown): void {
    this.writeText(name, `${JSON.stringify(value, null, 2)}\n`);
  }

  writeText(name: string, text: string): void {
    writeFileAtomic(this.path(name), text);
  }
}
