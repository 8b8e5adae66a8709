// The hypervolume reference point: `algorithm.referencePoint` if given; otherwise fixed once,
// when the first generation with successful trials (normally generation 0) is complete, at
// nadir + 10% of the range per objective over its feasible trials (all successful ones if none
// is feasible; a zero range adds 10% of |nadir|, or 1 when the nadir is 0). The engine records
// it in its state and never moves it, so hypervolumes of different generations compare.
import type { SearchSettings } from './settings.js';
import { maxOf, minOf } from './extrema.js';

/** The point the spec gives, in objective order; null when the spec leaves it to the data. */
export function givenReference(settings: SearchSettings): number[] | null {
  const given = settings.algorithm.referencePoint;
  if (!given) return null;
  return settings.objectives.map((name) => given[name] as number);
}

/** Nadir + 10% from a completed generation's vectors (feasible ones if any); null without any. */
export function referenceFrom(succeeded: readonly number[][], feasible: readonly number[][], objectives: number): number[] | null {
  const basis = feasible.length > 0 ? feasible : succeeded;
  if (basis.length === 0) return null;
  return Array.from({ length: objectives }, (_, j) => {
    const values = basis.map((v) => v[j]);
    const nadir = maxOf(values);
    const range = nadir - minOf(values);
    return nadir + (range > 0 ? 0.1 * range : nadir !== 0 ? 0.1 * Math.abs(nadir) : 1);
  });
}
