// `npm run bench:selector`: rwenas's NSGA-II selection primitives against pymoo on the same
// points: non-dominated sorting plus crowding distance of every front on 10,000 random
// points (2 and 3 objectives), and the hypervolume of a 1,000-point front. Prints the best
// time of several runs (both sides), their ratio, and whether the results agree. Figures only: nothing is asserted.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hypervolume } from '../search/hypervolume.js';
import { Rng } from '../search/random.js';
import { crowdingDistance } from '../search/algorithms/crowding.js';
import { nonDominatedSort } from '../search/algorithms/sort.js';

const N = 10_000;
const FRONT = 1_000;
const REPEATS = 15;
const python = process.env.PYTHON ?? 'python3';

/** Best of REPEATS runs after a warm-up: on a shared machine the minimum is the stable figure. */
function bestMs<T>(fn: () => T): [number, T] {
  let out = fn(); // warm-up (JIT)
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const t = performance.now();
    out = fn();
    best = Math.min(best, performance.now() - t);
  }
  return [best, out];
}

function rankAndCrowd(points: number[][]): { rank: Int32Array; crowding: Float64Array } {
  const rank = new Int32Array(points.length);
  const crowding = new Float64Array(points.length);
  nonDominatedSort(points).forEach((front, r) => {
    const d = crowdingDistance(points, front);
    front.forEach((i, k) => {
      rank[i] = r;
      crowding[i] = d[k];
    });
  });
  return { rank, crowding };
}

/** A mutually non-dominated set: ZDT1's curve in 2-D, the unit sphere's positive octant in 3-D. */
function frontPoints(rng: Rng, m: number): number[][] {
  return Array.from({ length: FRONT }, () => {
    if (m === 2) {
      const x = rng.next();
      return [x, 1 - Math.sqrt(x)];
    }
    const v = [Math.abs(rng.normal()), Math.abs(rng.normal()), Math.abs(rng.normal())];
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

const csv = (points: number[][]) => points.map((p) => p.map((v) => v.toPrecision(17)).join(',')).join('\n') + '\n';

const dir = mkdtempSync(join(tmpdir(), 'rwenas-bench-selector-'));
try {
  const rng = Rng.seeded(2024);
  const rows: string[][] = [];
  const results: Record<string, { ms: number; check: (py: Record<string, unknown>) => string }> = {};
  for (const m of [2, 3]) {
    // Rounded to 17 significant digits so both sides read identical numbers.
    const points = Array.from({ length: N }, () => Array.from({ length: m }, () => Number(rng.next().toPrecision(17))));
    writeFileSync(join(dir, `points${m}.csv`), csv(points));
    const [sortMs, rc] = bestMs(() => rankAndCrowd(points));
    const fronts = Math.max(...rc.rank) + 1;
    results[`sort${m}`] = {
      ms: sortMs,
      check: (py) => {
        const rank = py.rank as number[];
        const crowd = py.crowding as (number | null)[];
        const rankSame = rank.every((r, i) => r === rc.rank[i]);
        const maxDiff = Math.max(...crowd.map((c, i) => (c === null ? (rc.crowding[i] === Infinity ? 0 : Infinity) : Math.abs(c - rc.crowding[i]))));
        return `${fronts} fronts; ranks ${rankSame ? 'identical' : 'DIFFER'}; crowding max |diff| ${maxDiff.toExponential(1)}`;
      },
    };
    const front = frontPoints(rng, m).map((p) => p.map((v) => Number(v.toPrecision(17))));
    writeFileSync(join(dir, `front${m}.csv`), csv(front));
    const [hvMs, hv] = bestMs(() => hypervolume(front, new Array<number>(m).fill(1.1)));
    results[`hv${m}`] = { ms: hvMs, check: (py) => `HV ${hv.toFixed(9)} vs ${(py.value as number).toFixed(9)} (|diff| ${Math.abs(hv - (py.value as number)).toExponential(1)})` };
  }
  let py: Record<string, Record<string, unknown>>;
  try {
    py = JSON.parse(execFileSync(python, [new URL('./selector.py', import.meta.url).pathname, dir, String(REPEATS)], { encoding: 'utf8', maxBuffer: 1 << 28 }));
  } catch (e) {
    console.error(`pymoo side failed (needs \`pip install pymoo\`; set PYTHON to choose the interpreter): ${(e as Error).message}`);
    process.exit(1);
  }
  const label: Record<string, string> = {
    sort2: `non-dominated sort + crowding, ${N} points, 2 objectives`,
    sort3: `non-dominated sort + crowding, ${N} points, 3 objectives`,
    hv2: `hypervolume, ${FRONT}-point front, 2 objectives`,
    hv3: `hypervolume, ${FRONT}-point front, 3 objectives`,
  };
  for (const key of ['sort2', 'sort3', 'hv2', 'hv3']) {
    const ours = results[key];
    const theirs = py[key].ms as number;
    rows.push([label[key], ours.ms.toFixed(2), theirs.toFixed(2), (theirs / ours.ms).toFixed(2), ours.check(py[key])]);
  }
  const header = ['task', 'rwenas ms', 'pymoo ms', 'pymoo/rwenas', 'agreement'];
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => c.padEnd(widths[j])).join(' | ');
  console.log(`best of ${REPEATS} runs after a warm-up (both sides); node ${process.version}; pymoo via ${python}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
