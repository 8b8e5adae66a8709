// Exact hypervolume (all objectives minimised): the measure of the region dominated by the
// points and bounded above by the reference point. Points that do not strictly dominate the
// reference point add nothing. One objective: a segment; two: a sweep over the sorted
// staircase, O(n log n); three: a dimension sweep along the third objective that keeps the
// 2-D staircase of the points seen so far and its area updated per insertion (O(n^2) worst
// case from array splicing, ample for thousands of points).
import { minOf } from './extrema.js';

export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const m = reference.length;
  for (let j = 0; j < m; j++) {
    if (!Number.isFinite(reference[j])) throw new RangeError(`hypervolume: reference point coordinate ${j} must be finite, got ${reference[j]}`);
  }
  const inside: (readonly number[])[] = [];
  for (const [i, p] of points.entries()) {
    if (p.length !== m) throw new RangeError(`hypervolume: point ${i} has ${p.length} objectives, the reference point ${m}`);
    if (p.some((v) => Number.isNaN(v))) throw new RangeError(`hypervolume: point ${i} has a NaN objective`);
    if (p.every((v, j) => v < reference[j])) inside.push(p);
  }
  if (inside.length === 0) return 0;
  switch (m) {
    case 1:
      return reference[0] - minOf(inside.map((p) => p[0]));
    case 2:
      return hv2(inside, reference[0], reference[1]);
    case 3:
      return hv3(inside, reference);
    default:
      throw new RangeError(`hypervolume: exact computation supports 1 to 3 objectives, got ${m}`);
  }
}

function hv2(points: readonly (readonly number[])[], rx: number, ry: number): number {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let area = 0;
  let bestY = ry;
  for (const [x, y] of sorted) {
    if (y < bestY) {
      area += (rx - x) * (bestY - y);
      bestY = y;
    }
  }
  return area;
}

function hv3(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const [rx, ry, rz] = reference;
  const sorted = [...points].sort((a, b) => a[2] - b[2]);
  // The staircase: mutually non-dominated (x, y), x ascending and y strictly descending.
  const xs: number[] = [];
  const ys: number[] = [];
  let area = 0;
  let volume = 0;
  for (let k = 0; k < sorted.length; k++) {
    const [px, py, pz] = sorted[k];
    area += insert(xs, ys, px, py, rx, ry);
    const nextZ = k + 1 < sorted.length ? sorted[k + 1][2] : rz;
    volume += area * (nextZ - pz);
  }
  return volume;
}

/** Inserts (px, py) into the staircase unless dominated; returns the area it adds. */
function insert(xs: number[], ys: number[], px: number, py: number, rx: number, ry: number): number {
  // i: first member with x >= px.
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < px) lo = mid + 1;
    else hi = mid;
  }
  const i = lo;
  // Weakly dominated by the member just left of it, or by one at the same x.
  if (i > 0 && ys[i - 1] <= py) return 0;
  if (i < xs.length && xs[i] === px && ys[i] <= py) return 0;
  let upper = i > 0 ? ys[i - 1] : ry;
  let x = px;
  let added = 0;
  let end = i;
  // Members the new point dominates (x >= px, y >= py) are replaced; sum the strips it uncovers.
  while (end < xs.length && ys[end] >= py) {
    added += (xs[end] - x) * (upper - py);
    x = xs[end];
    upper = ys[end];
    end++;
  }
  added += ((end < xs.length ? xs[end] : rx) - x) * (upper - py);
  xs.splice(i, end - i, px);
  ys.splice(i, end - i, py);
  return added;
}
