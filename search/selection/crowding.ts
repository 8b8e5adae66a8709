// Crowding distance (Deb et al. 2002): for each objective, sort the front, give both boundary
// members an infinite distance, and add to every inner member the gap between its neighbours
// divided by the front's range in that objective. Objectives constant over the front add
// nothing (their range is zero). Ties in an objective keep index order, so the result is
// deterministic for a deterministic input order.

/** Crowding distance of each member of `front` (indices into `points`), aligned with `front`. */
export function crowdingDistance(points: readonly (readonly number[])[], front: readonly number[]): Float64Array {
  const k = front.length;
  const distance = new Float64Array(k);
  if (k === 0) return distance;
  if (k <= 2) return distance.fill(Infinity);
  const m = points[front[0]].length;
  const pos = new Int32Array(k);
  for (let j = 0; j < m; j++) {
    for (let a = 0; a < k; a++) pos[a] = a;
    pos.sort((a, b) => points[front[a]][j] - points[front[b]][j] || a - b);
    const min = points[front[pos[0]]][j];
    const max = points[front[pos[k - 1]]][j];
    const range = max - min;
    if (!(range > 0) || !Number.isFinite(range)) continue;
    distance[pos[0]] = Infinity;
    distance[pos[k - 1]] = Infinity;
    for (let a = 1; a < k - 1; a++) {
      distance[pos[a]] += (points[front[pos[a + 1]]][j] - points[front[pos[a - 1]]][j]) / range;
    }
  }
  return distance;
}
