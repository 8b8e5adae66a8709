# pymoo side of `npm run bench:selector`: the same operations on the same points.
# Usage: python3 bench/selector.py DIR  (DIR holds the points written by bench/selector.ts;
# prints one JSON object: best-of-N milliseconds and results for checking agreement).
import json
import sys
import time

import numpy as np
from pymoo.indicators.hv import HV
from pymoo.operators.survival.rank_and_crowding.metrics import get_crowding_function
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 5


def best_ms(fn):
    """Best of REPEATS runs after a warm-up, as on the TypeScript side."""
    out = fn()
    best = float("inf")
    for _ in range(REPEATS):
        t = time.perf_counter()
        out = fn()
        best = min(best, (time.perf_counter() - t) * 1000)
    return best, out


def rank_and_crowd(F):
    fronts = NonDominatedSorting().do(F)
    crowding = get_crowding_function("cd")
    rank = np.empty(len(F), dtype=int)
    cd = np.empty(len(F))
    for r, front in enumerate(fronts):
        rank[front] = r
        cd[front] = crowding.do(F[front])
    return rank, cd


def main():
    folder = sys.argv[1]
    out = {}
    for m in (2, 3):
        F = np.loadtxt(f"{folder}/points{m}.csv", delimiter=",")
        ms, (rank, cd) = best_ms(lambda: rank_and_crowd(F))
        # pymoo divides crowding by the number of objectives; undo it for comparison.
        out[f"sort{m}"] = {"ms": ms, "rank": rank.tolist(), "crowding": [x * m if np.isfinite(x) else None for x in cd]}
        P = np.loadtxt(f"{folder}/front{m}.csv", delimiter=",")
        ref = np.full(m, 1.1)
        ms, hv = best_ms(lambda: HV(ref_point=ref)(P))
        out[f"hv{m}"] = {"ms": ms, "value": float(hv)}
    print(json.dumps(out))


main()
