// Fast non-dominated sorting (all objectives minimised).
// The general case is the Efficient Non-dominated Sort with binary search (ENS-BS, Zhang et
// al. 2015): after a lexicographic sort no point can be dominated by a later one, so each
// point only has to be checked against the fronts built so far, and the first front that
// does not dominate it is found by binary search. Two objectives need only one comparison
// per front (its last member has the smallest second objective), so that case is
// O(n log n). With three, each front keeps the staircase of its members' (f2, f3) projections,
// so "does this front dominate the point" is one more binary search. Same fronts as Deb et al.'s fast non-dominated sort; identical points share a front.

/** True when `a` dominates `b`: no worse in every objective and better in at least one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let j = 0; j < a.length; j++) {
    if (a[j] > b[j]) return false;
    if (a[j] < b[j]) better = true;
  }
  return better;
}

/**
 * Sorts points into fronts. Returns the fronts (each a list of point indices, in lexicographic
 * order of the points, ties by index) from the first (non-dominated) on.
 */
export function nonDominatedSort(points: readonly (readonly number[])[]): number[][] {
  const n = points.length;
  if (n === 0) return [];
  const m = points[0].length;
  const flat = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const p = points[i];
    if (p.length !== m) throw new RangeError(`nonDominatedSort: point ${i} has ${p.length} objectives, expected ${m}`);
    for (let j = 0; j < m; j++) {
      if (Number.isNaN(p[j])) throw new RangeError(`nonDominatedSort: point ${i} objective ${j} is NaN`);
      flat[i * m + j] = p[j];
    }
  }
  const order = lexicographicOrder(flat, n, m);
  if (m === 2) return sort2(flat, order);
  if (m === 3) return sort3(flat, order);
  return sortGeneral(flat, order, m);
}

/** Front index (rank, 0-based) of every point. */
export function ranksFromFronts(fronts: readonly (readonly number[])[], n: number): Int32Array {
  const rank = new Int32Array(n).fill(-1);
  fronts.forEach((front, r) => front.forEach((i) => (rank[i] = r)));
  return rank;
}

function lexicographicOrder(flat: Float64Array, n: number, m: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => {
    for (let j = 0; j < m; j++) {
      const d = flat[a * m + j] - flat[b * m + j];
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    return a - b;
  });
  return idx;
}

function sort2(flat: Float64Array, order: Int32Array): number[][] {
  const fronts: number[][] = [];
  // Last member of each front: it has the largest f1 and smallest f2 of that front.
  const lastF1: number[] = [];
  const lastF2: number[] = [];
  for (const i of order) {
    const f1 = flat[2 * i];
    const f2 = flat[2 * i + 1];
    // The fronts dominating the point form a prefix; find its length.
    let lo = 0;
    let hi = fronts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const d = lastF2[mid] <= f2 && (lastF1[mid] < f1 || lastF2[mid] < f2);
      if (d) lo = mid + 1;
      else hi = mid;
    }
    if (lo === fronts.length) fronts.push([]);
    fronts[lo].push(i);
    lastF1[lo] = f1;
    lastF2[lo] = f2;
  }
  return fronts;
}

/** Staircase of (f2, f3) projections: f2 ascending, f3 strictly descending. */
interface Staircase {
  f2: number[];
  f3: number[];
}

/** Index of the last step with f2 <= y (-1 if none). */
function lastAtMost(steps: Staircase, y: number): number {
  let lo = 0;
  let hi = steps.f2.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps.f2[mid] <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function sort3(flat: Float64Array, order: Int32Array): number[][] {
  const fronts: number[][] = [];
  const stairs: Staircase[] = [];
  let previous = -1;
  let previousFront = -1;
  for (const i of order) {
    const f2 = flat[3 * i + 1];
    const f3 = flat[3 * i + 2];
    // An exact copy of the previous point (copies are adjacent after sorting) shares its front.
    if (previous >= 0 && flat[3 * previous] === flat[3 * i] && flat[3 * previous + 1] === f2 && flat[3 * previous + 2] === f3) {
      fronts[previousFront].push(i);
      continue;
    }
    // Every earlier point has f1 <= this f1 and differs somewhere, so it dominates this one
    // exactly when its (f2, f3) are both <=: the step of largest f2 <= ours has the least f3.
    let lo = 0;
    let hi = fronts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = lastAtMost(stairs[mid], f2);
      if (s >= 0 && stairs[mid].f3[s] <= f3) lo = mid + 1;
      else hi = mid;
    }
    if (lo === fronts.length) {
      fronts.push([]);
      stairs.push({ f2: [], f3: [] });
    }
    fronts[lo].push(i);
    // Insert the projection, dropping steps it weakly dominates (they follow it, contiguously).
    const steps = stairs[lo];
    const at = lastAtMost(steps, f2) + 1;
    let start = at;
    while (start > 0 && steps.f2[start - 1] === f2) start--;
    let end = start;
    while (end < steps.f2.length && steps.f3[end] >= f3) end++;
    steps.f2.splice(start, end - start, f2);
    steps.f3.splice(start, end - start, f3);
    previous = i;
    previousFront = lo;
  }
  return fronts;
}

function sortGeneral(flat: Float64Array, order: Int32Array, m: number): number[][] {
  const fronts: number[][] = [];
  const dominatedBy = (front: number[], i: number): boolean => {
    // Later members are closer in the lexicographic order, so more likely to dominate.
    for (let k = front.length - 1; k >= 0; k--) {
      const q = front[k];
      let better = false;
      let worse = false;
      for (let j = 0; j < m; j++) {
        const a = flat[q * m + j];
        const b = flat[i * m + j];
        if (a > b) {
          worse = true;
          break;
        }
        if (a < b) better = true;
      }
      if (!worse && better) return true;
    }
    return false;
  };
  for (const i of order) {
    let lo = 0;
    let hi = fronts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (dominatedBy(fronts[mid], i)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === fronts.length) fronts.push([]);
    fronts[lo].push(i);
  }
  return fronts;
}
