# pymoo side of `npm run bench:search`: NSGA-II on the NAS-Bench-201 table with the same
# budget and objectives (error, FLOPs) as rwenas. Two encodings of the six edge ops:
#   int:    integers 0..4 with SBX + polynomial mutation and rounding repair (pymoo's
#           documented recipe for discrete variables);
#   choice: categorical Choice variables with pymoo's mixed-variable sampling, mating and
#           duplicate elimination (the natural encoding of unordered ops).
# Usage: python3 bench/search.py TABLE.csv SEEDS BUDGET POP. Prints JSON
# {variant: [[archs evaluated by seed 1, in order], ...]}; bench/search.ts scores them with the
# same hypervolume code and reference point as rwenas, over everything each run evaluated.
import json
import sys

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.mixed import MixedVariableDuplicateElimination, MixedVariableMating, MixedVariableSampling
from pymoo.core.problem import ElementwiseProblem, Problem
from pymoo.core.variable import Choice
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.repair.rounding import RoundingRepair
from pymoo.operators.sampling.rnd import IntegerRandomSampling
from pymoo.optimize import minimize

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


def arch(ops):
    o = [OPS[int(i)] for i in ops]
    return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"


def load(path):
    table = {}
    with open(path) as f:
        next(f)
        for line in f:
            a, error, flops = line.rstrip("\n").split(",")
            table[a] = (float(error), float(flops))
    return table


class IntProblem(Problem):
    def __init__(self, table, log):
        super().__init__(n_var=6, n_obj=2, xl=0, xu=len(OPS) - 1, vtype=int)
        self.table, self.log = table, log

    def _evaluate(self, X, out, *args, **kwargs):
        names = [arch(x) for x in np.round(X).astype(int)]
        self.log.extend(names)
        out["F"] = np.array([self.table[n] for n in names])


class ChoiceProblem(ElementwiseProblem):
    def __init__(self, table, log):
        super().__init__(vars={f"e{i}": Choice(options=list(range(len(OPS)))) for i in range(6)}, n_obj=2)
        self.table, self.log = table, log

    def _evaluate(self, x, out, *args, **kwargs):
        name = arch([x[f"e{i}"] for i in range(6)])
        self.log.append(name)
        out["F"] = np.array(self.table[name])


def run(variant, table, seed, budget, pop):
    log = []
    if variant == "int":
        problem = IntProblem(table, log)
        algorithm = NSGA2(
            pop_size=pop,
            sampling=IntegerRandomSampling(),
            crossover=SBX(prob=0.9, eta=15, vtype=float, repair=RoundingRepair()),
            mutation=PM(eta=20, vtype=float, repair=RoundingRepair()),
            eliminate_duplicates=True,
        )
    else:
        problem = ChoiceProblem(table, log)
        algorithm = NSGA2(
            pop_size=pop,
            sampling=MixedVariableSampling(),
            mating=MixedVariableMating(eliminate_duplicates=MixedVariableDuplicateElimination()),
            eliminate_duplicates=MixedVariableDuplicateElimination(),
        )
    minimize(problem, algorithm, ("n_eval", budget), seed=seed, verbose=False)
    return log[:budget]


def main():
    path, seeds, budget, pop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    table = load(path)
    print(json.dumps({v: [run(v, table, s, budget, pop) for s in range(1, seeds + 1)] for v in ("int", "choice")}))


main()
