// Knee point of a front: the member that bulges furthest towards the ideal point from the
// hyperplane through the front's extremes (the "convex hull of individual minima", Das 1999;
// Deb & Gupta's knee by distance). Objectives are first normalised to [0, 1] by the front's own
// minimum and maximum, so scales (percent vs FLOPs) do not matter. In 2-D the extremes are the
// two ends of the front and the plane is the line through them. If the extremes do not span a
// plane with positive intercepts (degenerate or flat front), the plane sum(x) = 1 is used.
// Ties go to the earlier member, so with a sorted front the result is deterministic.
import { maxOf, minOf } from './extrema.js';

/** Index of the knee among `points` (a front), or undefined for an empty front. */
export function kneeIndex(points: readonly (readonly number[])[]): number | undefined {
  const n = points.length;
  if (n === 0) return undefined;
  if (n <= 2) return 0;
  const m = points[0].length;
  const min = Array.from({ length: m }, (_, j) => minOf(points.map((p) => p[j])));
  const max = Array.from({ length: m }, (_, j) => maxOf(points.map((p) => p[j])));
  const norm = points.map((p) => p.map((v, j) => (max[j] > min[j] ? (v - min[j]) / (max[j] - min[j]) : 0)));
  // Extreme for objective j: the member best in j, then in the remaining objectives.
  const extremes = Array.from({ length: m }, (_, j) => {
    let best = 0;
    for (let i = 1; i < n; i++) if (lexicographicFirst(norm[i], norm[best], j)) best = i;
    return norm[best];
  });
  // Hyperplane w·x = 1 through the extremes.
  let w = solve(extremes, new Array<number>(m).fill(1));
  if (!w || w.some((v) => !(v > 0) || !Number.isFinite(v))) w = new Array<number>(m).fill(1);
  const length = Math.hypot(...w);
  let best = 0;
  let bestDistance = -Infinity;
  for (let i = 0; i < n; i++) {
    const distance = (1 - norm[i].reduce((s, v, j) => s + v * w[j], 0)) / length;
    if (distance > bestDistance + 1e-12) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

function lexicographicFirst(a: readonly number[], b: readonly number[], first: number): boolean {
  if (a[first] !== b[first]) return a[first] < b[first];
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return a[j] < b[j];
  return false;
}

/** Solves A w = b by Gaussian elimination with partial pivoting; undefined when singular. */
function solve(a: readonly (readonly number[])[], b: readonly number[]): number[] | undefined {
  const m = b.length;
  const rows = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < m; c++) {
    let pivot = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(rows[r][c]) > Math.abs(rows[pivot][c])) pivot = r;
    if (Math.abs(rows[pivot][c]) < 1e-12) return undefined;
    [rows[c], rows[pivot]] = [rows[pivot], rows[c]];
    for (let r = 0; r < m; r++) {
      if (r === c) continue;
      const f = rows[r][c] / rows[c][c];
      for (let k = c; k <= m; k++) rows[r][k] -= f * rows[c][k];
    }
  }
  return rows.map((row, i) => row[m] / row[i]);
}
