// Minimum and maximum of a list by a loop: `Math.max(...values)` passes every value as an
// argument and throws RangeError past the engine's argument limit (about 120k values in V8).
export function minOf(values: Iterable<number>): number {
  let min = Infinity;
  for (const v of values) if (v < min || Number.isNaN(v)) min = v;
  return min;
}

export function maxOf(values: Iterable<number>): number {
  let max = -Infinity;
  for (const v of values) if (v > max || Number.isNaN(v)) max = v;
  return max;
}
