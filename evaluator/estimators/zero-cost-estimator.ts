// The `zero-cost` method: the forward-only proxies of its calibrated network (NASWOT, SWAP, MeCo,
// Zen-score, AZ-NAS expressivity/progressivity, on ONNX Runtime) and the final network's
// params/FLOPs, combined by the space's calibration (calibration.ts) into one score; `error`
// is that score mapped to an estimated test error in percent where the space has ground truth,
// else (mobilenetv3) a ranking score 100 / (1 + e^score) that is not an error.
import { genomeHash } from '../../search/hash.js';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import type { NetworkOptions, SearchSpace } from '../../search/space.js';
import { resolveDataset } from '../data/download.js';
import { OnnxEngine } from '../backends/onnx/backend.js';
import type { EstimatorFactory } from './estimator.js';
import { ZERO_COST_CALIBRATIONS, type ZeroCostCalibration } from './calibration.js';
import { ForwardProxyProbe } from './proxies/forward.js';
import { DegenerateNetworkError } from '../degenerate.js';
import { combinationScore, estimatedError } from './zero-cost.js';

/** The calibration for an experiment, or an error naming the field that rules it out. */
export function zeroCostCalibrationFor(spec: ExperimentSpec, space: SearchSpace): ZeroCostCalibration {
  const cal = ZERO_COST_CALIBRATIONS[space.name];
  if (!cal) {
    throw new Error(`spec.evaluation.method: zero-cost has no calibration for search space ${space.name} (calibrated: ${Object.keys(ZERO_COST_CALIBRATIONS).join(', ')}); use naswot or rwe`);
  }
  // zero-cost measures its calibration's network; an override is accepted only where it says the same.
  const proxy = { ...cal.proxy, ...definedOnly(spec.searchSpace.proxy) };
  for (const key of ['channels', 'cells', 'widthMultiplier', 'inputSize'] as const) {
    if (proxy[key] !== cal.proxy[key]) {
      throw new Error(
        `spec.searchSpace.proxy.${key}: zero-cost on ${space.name} is calibrated for a proxy with ${key} ${cal.proxy[key]}, got ${proxy[key]} ` +
          '(the proxies of other sizes are on other scales); remove the override or use naswot or rwe',
      );
    }
  }
  if (spec.evaluation.engine === 'tfjs') {
    throw new Error('spec.evaluation.engine: zero-cost runs its forward proxies on ONNX Runtime (it was calibrated there); use auto or onnx');
  }
  return cal;
}

function definedOnly(o: NetworkOptions): NetworkOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** What `error` means under zero-cost on a space without ground truth (mobilenetv3): said in front.json and pareto.svg. */
export const RANKING_SCORE = 'ranking score (not an error)';

/** Whether an experiment's `error` is a ranking score rather than an estimated error in percent. */
export function errorIsRankingScore(spec: Pick<ExperimentSpec, 'evaluation' | 'searchSpace'>): boolean {
  return spec.evaluation.method === 'zero-cost' && ZERO_COST_CALIBRATIONS[spec.searchSpace.name] !== undefined && !ZERO_COST_CALIBRATIONS[spec.searchSpace.name]!.error;
}

/** 100 / (1 + e^score): a bounded, strictly decreasing ranking score for spaces without ground truth. */
export function rankingScore(score: number): number {
  return 100 / (1 + Math.exp(score));
}

export function zeroCost(): EstimatorFactory {
  return async (spec, space, options) => {
    const cal = zeroCostCalibrationFor(spec, space);
    if (options.engine === 'tfjs') throw new Error('--engine tfjs: zero-cost runs on ONNX Runtime; use auto or onnx');
    const engine = await OnnxEngine.create({ threads: options.threads ?? spec.evaluation.threads });
    const probe = ForwardProxyProbe.create({ dataset: await resolveDataset(spec.evaluation.dataset), seed: spec.algorithm.seed, batch: cal.batch, engine, mecoImages: cal.mecoImages });
    // Zen-score's passes are skipped where no term reads it (and left out of the trial's stats).
    const zen = cal.terms.some((t) => t.feature === 'zen');
    return {
      estimate: async (genome, canonical, { params, flops }) => {
        const m = await probe.measure(space.build(genome, 'proxy', cal.proxy), genomeHash(space.name, canonical), { zen });
        // Images the network cannot tell apart (NASWOT's singular kernel, measured whether or not
        // NASWOT is a term) or an infinite term: a degenerate network, recorded with the worst error.
        if (!Number.isFinite(m.scores.naswot)) throw new DegenerateNetworkError('NASWOT kernel is singular: images share identical ReLU codes (degenerate network)');
        const score = combinationScore(cal.terms, { ...m.scores, params, flops });
        const error = cal.error ? estimatedError(cal.error, score) : rankingScore(score);
        return {
          error,
          stats: {
            estimator: 'zero-cost',
            engine: engine.name,
            backend: engine.backend,
            errorKind: cal.error ? 'estimated test error (%)' : RANKING_SCORE,
            combinedScore: score,
            // What was measured: Zen-score where skipped, MeCo-8 where MeCo reads one image, are left out.
            proxies: Object.fromEntries(Object.entries(m.scores).filter(([, v]) => !Number.isNaN(v))),
            images: cal.batch,
            seconds: Math.round(m.seconds.total * 1000) / 1000,
          },
        };
      },
    };
  };
}
