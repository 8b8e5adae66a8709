// Deterministic names: a restarted operator computes the same names and finds what it made.
import { MAX_EXPERIMENT_NAME } from './types.js';

/** `<experiment>-<first 12 hex of the genome hash>`: one NASTrial per genome per experiment. */
export function trialName(experiment: string, genomeHash: string): string {
  return `${experiment}-${genomeHash.slice(0, 12)}`;
}

/** `<experiment>-g<generation>-b<batch>-a<attempt>`: at most 63 characters for names up to MAX_EXPERIMENT_NAME. */
export function jobName(experiment: string, generation: number, batch: number, attempt: number): string {
  return `${experiment}-g${generation}-b${batch}-a${attempt}`;
}

/** Splits items into consecutive batches of `size` (the last may be shorter). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be an integer >= 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function checkExperimentName(name: string): string | undefined {
  return name.length > MAX_EXPERIMENT_NAME ? `metadata.name: at most ${MAX_EXPERIMENT_NAME} characters, got ${name.length}` : undefined;
}
