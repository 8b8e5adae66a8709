// Binary tournament selection (Deb et al. 2002): two distinct members drawn uniformly, the
// one of lower rank wins, then the one of larger crowding distance.
import type { Rng } from '../random.js';
import type { Individual } from './constrained.js';
import { compareDesc, compareTrial, type Ranking } from './survival.js';

/** The winner of two given members; a full tie goes to the smaller trial name (deterministic). */
export function tournamentWinner(individuals: readonly Individual[], ranking: Ranking, a: number, b: number): number {
  const { rank, crowding } = ranking;
  if (rank[a] !== rank[b]) return rank[a] < rank[b] ? a : b;
  const c = compareDesc(crowding[a], crowding[b]);
  if (c !== 0) return c < 0 ? a : b;
  return compareTrial(individuals[a], individuals[b]) <= 0 ? a : b;
}

/** Index of the winner of a tournament between two distinct random members (the only one if there is one). */
export function binaryTournament(individuals: readonly Individual[], ranking: Ranking, rng: Rng): number {
  const n = individuals.length;
  if (n === 0) throw new RangeError('binaryTournament: empty population');
  if (n === 1) return 0;
  const a = rng.int(n);
  const b = (a + 1 + rng.int(n - 1)) % n;
  return tournamentWinner(individuals, ranking, a, b);
}
