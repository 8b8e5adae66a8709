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
  const values = new Float64Array(k);
  for (let j = 0; j < m; j++) {
    for (let a = 0; a < k; a++) {
      pos[a] = a;
      values[a] = points[front[a]][j];
    }
    pos.sort((a, b) => values[a] - values[b] || a - b);
    const range = values[pos[k - 1]] - values[pos[0]];
    if (!(range > 0) || !Number.isFinite(range)) continue;
    distance[pos[0]] = Infinity;
    distance[pos[k - 1]] = Infinity;
    for (let a = 1; a < k - 1; a++) distance[pos[a]] += (values[pos[a + 1]] - values[pos[a - 1]]) / range;
  }
  return distance;
}
