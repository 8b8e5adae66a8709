// The evaluation methods (spec.evaluation.method) by name, each an EstimatorFactory.
import type { EvaluationMethod } from '../../search/experiment/spec.js';
import { calibrationFor, combinedError, combinedScore } from './calibration.js';
import type { EstimatorFactory } from './estimator.js';
import { RandomWeightProbe, type RandomWeightMethod } from './random-weight.js';
import { loadTable } from './table.js';
import { zeroCost } from './zero-cost-estimator.js';

/** Evaluation methods by name; rwe, naswot and their combinations register here too. */
export const ESTIMATORS: Partial<Record<EvaluationMethod, EstimatorFactory>> = {
  table: async (spec, space) => {
    const table = await loadTable(spec.evaluation.table.path, space);
    return { estimate: async (_genome, canonical) => ({ error: table.error(canonical), stats: { estimator: 'table' } }) };
  },
  rwe: randomWeight('rwe'),
  naswot: randomWeight('naswot'),
  'rwe+naswot': randomWeight('rwe+naswot'),
  'naswot+params': naswotParams(),
  'zero-cost': zeroCost(),
};

/**
 * naswot+params: z(NASWOT) + w·z(ln params of the final network) with the space's constants
 * (evaluator/estimators/calibration.ts), on the NASWOT batch those were fitted with (which replaces
 * rwe.naswotBatch for this method); error = 100 / (1 + e^combined).
 */
function naswotParams(): EstimatorFactory {
  return async (spec, space, options) => {
    const cal = calibrationFor(spec, space);
    const rwe = { ...spec.evaluation.rwe, naswotBatch: cal.naswotBatch };
    const probe = await RandomWeightProbe.create({ ...spec, evaluation: { ...spec.evaluation, rwe } }, { engine: options.engine, threads: options.threads });
    return {
      estimate: async (genome, canonical, { params }) => {
        // A singular kernel (degenerate cell) throws here: that trial fails with the reason.
        const r = await probe.measureGenome(space, genome, canonical, 'naswot', spec.searchSpace.proxy);
        const combined = combinedScore(cal, r.naswotScore!, params);
        return {
          error: combinedError(combined),
          stats: { ...r.stats, estimator: 'naswot+params', naswotScore: r.naswotScore, naswotBatch: cal.naswotBatch, paramsWeight: cal.weight, combinedScore: combined },
        };
      },
    };
  };
}

/** rwe, naswot, rwe+naswot: one probe (data set and engine loaded once) per Evaluator. */
function randomWeight(method: RandomWeightMethod): EstimatorFactory {
  return async (spec, space, options) => {
    const probe = await RandomWeightProbe.create(spec, { engine: options.engine, threads: options.threads });
    return {
      estimate: async (genome, canonical) => {
        const r = await probe.measureGenome(space, genome, canonical, method, spec.searchSpace.proxy);
        const scores = { ...(r.rweError !== undefined ? { rweError: r.rweError } : {}), ...(r.naswotScore !== undefined ? { naswotScore: r.naswotScore } : {}) };
        return { error: r.error, stats: { ...r.stats, ...scores } };
      },
    };
  };
}
