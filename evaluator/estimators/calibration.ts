// Calibration constants of the `naswot+params` estimator, one record per search space, all in
// this file. Each record is copied from docs/fidelity.md (`npm run bench:fidelity`), where the
// constants were fitted on a tune sample and checked on a disjoint confirm sample; it names the
// proxy network and the NASWOT batch they were fitted with, because NASWOT's scale depends on
// both (more images or more ReLU units shift log|K|), so the evaluator uses that batch and
// refuses another proxy size rather than silently mixing scales.
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import type { NetworkOptions, SearchSpace, SpaceName } from '../../search/space.js';
import type { ErrorMap, Term } from './zero-cost.js';

export interface Calibration {
  readonly space: SpaceName;
  /** Where the constants come from (docs/fidelity.md section) and how they were fitted. */
  readonly source: string;
  /** The proxy network NASWOT was measured on (the space's default proxy size). */
  readonly proxy: Readonly<Pick<Required<NetworkOptions>, 'channels' | 'cells' | 'widthMultiplier' | 'inputSize'>>;
  /** Images in the NASWOT batch (the first of the train subset). */
  readonly naswotBatch: number;
  /** z-score constants of the NASWOT score log|K| over the fitting sample. */
  readonly naswot: { readonly mean: number; readonly sd: number };
  /** z-score constants of ln(params of the final network at the space's default size). */
  readonly logParams: { readonly mean: number; readonly sd: number };
  /** Weight of z(ln params) in the combined score z(naswot) + weight · z(ln params). */
  readonly weight: number;
}

export const CALIBRATIONS: Readonly<Partial<Record<SpaceName, Calibration>>> = {
  nb201: {
    space: 'nb201',
    source:
      'docs/fidelity.md, Results: NAS-Bench-201 ("naswot + 0.75·log params"; constants from nb201-final.err): ' +
      'fitted on the tune sample (200 cells, seeds 1 and 2), Kendall τ 0.67 tune / 0.68–0.69 confirm',
    proxy: { channels: 16, cells: 1, widthMultiplier: 1, inputSize: 32 },
    naswotBatch: 128,
    naswot: { mean: 1340.06, sd: 61.0874 },
    logParams: { mean: 12.6696, sd: 0.697197 },
    weight: 0.75,
  },
  darts: {
    space: 'darts',
    source:
      'docs/fidelity.md, Results: NAS-Bench-301 (constants as the bench printed them): the fitted params weight is 0 ' +
      '(every positive weight lowered τ on the tune half), so this is NASWOT alone, Kendall τ 0.51 tune / 0.44 confirm',
    proxy: { channels: 16, cells: 8, widthMultiplier: 1, inputSize: 32 },
    naswotBatch: 64,
    naswot: { mean: 847.554, sd: 10.5369 },
    logParams: { mean: 14.8778, sd: 0.165547 },
    weight: 0,
  },
  // No ground truth for this space: a documented choice, not a fit. NASWOT alone (weight 0), as
  // in darts, the measured space it resembles (sizes vary little: ln params sd 0.14 here, 0.17
  // in darts, 0.70 in nb201), on darts' batch of 64 (cost); the z-constants only scale the error.
  mobilenetv3: {
    space: 'mobilenetv3',
    source:
      'docs/evaluator.md, naswot+params (no ground truth, so not validated): NASWOT alone (weight 0) as measured best for darts in docs/fidelity.md; ' +
      'z-constants from `node --import tsx bench/naswot-scale.ts --space mobilenetv3 --genomes 20 --seeds 1,2` (40 measurements of 20 random genomes)',
    proxy: { channels: 16, cells: 5, widthMultiplier: 0.5, inputSize: 32 },
    naswotBatch: 64,
    naswot: { mean: 820.388, sd: 12.872 },
    logParams: { mean: 15.1057, sd: 0.136736 },
    weight: 0,
  },
};

/** The combined score (higher is better): z(naswot) + weight · z(ln params). */
export function combinedScore(cal: Calibration, naswotScore: number, params: number): number {
  if (!Number.isFinite(naswotScore)) throw new Error(`naswot+params: NASWOT score is not finite (${naswotScore})`);
  if (!(params > 0)) throw new Error(`naswot+params: params must be > 0, got ${params}`);
  const zNaswot = (naswotScore - cal.naswot.mean) / cal.naswot.sd;
  const zParams = (Math.log(params) - cal.logParams.mean) / cal.logParams.sd;
  return zNaswot + cal.weight * zParams;
}

/**
 * The combined score as an `error` (lower is better, like every estimator): the logistic
 * 100 / (1 + e^combined). Strictly decreasing, so it ranks exactly as the combined score
 * (in float64 down to combined ≈ −36, far beyond any measured score, below which it rounds to
 * 100); within [0, 100], 50 at the calibration sample's mean (combined 0), 8–92 over ±2.5.
 */
export function combinedError(combined: number): number {
  return 100 / (1 + Math.exp(combined));
}

/**
 * The calibration for an experiment, or an error naming the field that rules it out: a space
 * without one, a proxy size other than the fitted one, or a train subset smaller than the
 * fitted NASWOT batch.
 */
export function calibrationFor(spec: ExperimentSpec, space: SearchSpace): Calibration {
  const cal = CALIBRATIONS[space.name];
  if (!cal) {
    const have = Object.keys(CALIBRATIONS).join(', ');
    throw new Error(`spec.evaluation.method: naswot+params has no calibration for search space ${space.name} (calibrated: ${have}); use naswot or rwe`);
  }
  const proxy = { ...space.defaults.proxy, ...definedOnly(spec.searchSpace.proxy) };
  for (const key of ['channels', 'cells', 'widthMultiplier', 'inputSize'] as const) {
    if (proxy[key] !== cal.proxy[key]) {
      throw new Error(
        `spec.searchSpace.proxy.${key}: naswot+params on ${space.name} is calibrated for a proxy with ${key} ${cal.proxy[key]}, got ${proxy[key]} ` +
          '(NASWOT scores of other sizes are on another scale); remove the override or use naswot',
      );
    }
  }
  if (spec.evaluation.rwe.trainSamples < cal.naswotBatch) {
    throw new Error(`spec.evaluation.rwe.trainSamples: naswot+params on ${space.name} needs at least ${cal.naswotBatch} images (its calibrated NASWOT batch), got ${spec.evaluation.rwe.trainSamples}`);
  }
  return cal;
}

function definedOnly(o: NetworkOptions): NetworkOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * A `zero-cost` calibration: the terms of evaluator/estimators/zero-cost.ts's combination and
 * its error map, fitted by `npm run bench:fidelity` on the tune half of the space's ground
 * truth (the bench writes out/fidelity/zero-cost-<space>[-<size>].json; this is a copy), with the
 * network and batch they were measured on: zero-cost measures that network, whatever the
 * space's default proxy, and the evaluator refuses any other.
 */
export interface ZeroCostCalibration {
  readonly space: SpaceName;
  readonly source: string;
  /** The network the proxies measure (nb201: NB201's 5 cells per stage, not the space's 1-cell proxy). */
  readonly proxy: Calibration['proxy'];
  /** CIFAR-10 images in the proxies' batch. */
  readonly batch: number;
  /** Images MeCo reads (8 where MeCo-8 is a term; 1 keeps the DARTS proxy within its cost). */
  readonly mecoImages: 1 | 8;
  readonly terms: readonly Term[];
  /** Absent where the space has no ground truth: `error` is then a ranking score, not an error. */
  readonly error?: ErrorMap;
  /** Residual spread of the error map on the confirm half, for the docs and the schema. */
  readonly residual: string;
}

export const ZERO_COST_CALIBRATIONS: Readonly<Partial<Record<SpaceName, ZeroCostCalibration>>> = {
  nb201: {
    space: 'nb201',
    source:
      'docs/fidelity.md, Results: NAS-Bench-201 (out/fidelity/zero-cost-nb201-cells5.json of `npm run bench:fidelity -- --space nb201 --probes reference,complexity,proxies --proxy-size cells=5`): ' +
      'terms chosen greedily and fitted on the tune sample (200 cells, seeds 1 and 2), Kendall τ 0.76 / 0.76 tune, 0.78 / 0.79 confirm',
    // NB201's own network (5 cells per stage), not the 1-cell proxy: fitted the same way on the
    // 1-cell proxy, the combination ranks at τ 0.76 / 0.75 on confirm (docs/fidelity.md).
    proxy: { channels: 16, cells: 5, widthMultiplier: 1, inputSize: 32 },
    batch: 64,
    mecoImages: 8,
    terms: [
      { feature: 'meco8', mean: 5.93845, sd: 7.62824, weight: 1 },
      { feature: 'swap', mean: 12.1041, sd: 1.63211, weight: 0.25 },
    ],
    error: { alpha: 2.38409, beta: 0.298328 },
    residual: 'estimated minus true test error (100 − test_acc_200ep) on the confirm half, seeds 1 and 2: median |·| 1.9–2.0 points, 90th percentile 8.1–8.3 points, RMS 11.3 (degenerate cells); sd of ln(estimate / truth) 0.37; cells with a singular NASWOT kernel are recorded at 100',
  },
  darts: {
    space: 'darts',
    source:
      'docs/fidelity.md, Results: NAS-Bench-301 (out/fidelity/zero-cost-darts.json of `npm run bench:fidelity -- --space darts --probes reference,complexity,proxies --proxy-batch 32 --meco-images 1`): ' +
      'terms chosen greedily and fitted on the tune half (100 architectures, seeds 1 and 2), Kendall τ 0.58 / 0.58 tune, 0.53 / 0.54 confirm',
    proxy: { channels: 16, cells: 8, widthMultiplier: 1, inputSize: 32 },
    batch: 32,
    mecoImages: 1,
    terms: [
      { feature: 'naswot', mean: 426.295, sd: 5.02772, weight: 1 },
      { feature: 'swap', mean: 13.3265, sd: 0.166809, weight: 1 },
      { feature: 'flops', mean: 19.9881, sd: 0.157374, weight: -1 },
      { feature: 'progressivity', mean: -0.209976, sd: 0.23913, weight: 0.25 },
    ],
    error: { alpha: 1.91796, beta: 0.0536814 },
    residual: 'estimated minus NB301 validation error (100 − val_accuracy) on the confirm half, seeds 1 and 2: median |·| 0.29–0.31 points, 90th percentile 0.65–0.71, RMS 0.40; sd of ln(estimate / truth) 0.057',
  },
  // No ground truth for this space: a documented choice, not a fit. darts' terms and weights
  // (the measured space it resembles: sizes vary little), on darts' batch of 32; the z-constants
  // over a seeded sample of random genomes only centre and scale the score. No error map:
  // `error` is the ranking score 100 / (1 + e^score), not an error.
  mobilenetv3: {
    space: 'mobilenetv3',
    source:
      "docs/evaluator.md, zero-cost (no ground truth, so not validated): darts' terms and weights; z-constants from " +
      '`node --import tsx bench/zero-cost-scale.ts --space mobilenetv3 --terms naswot:1,swap:1,flops:-1,progressivity:0.25 --batch 32 --genomes 20 --seeds 1,2`',
    proxy: { channels: 16, cells: 5, widthMultiplier: 0.5, inputSize: 32 },
    batch: 32,
    mecoImages: 1,
    terms: [
      { feature: 'naswot', mean: 412.083, sd: 6.41433, weight: 1 },
      { feature: 'swap', mean: 13.525, sd: 0.197577, weight: 1 },
      { feature: 'flops', mean: 18.2987, sd: 0.178841, weight: -1 },
      { feature: 'progressivity', mean: -0.0512937, sd: 0.0548158, weight: 0.25 },
    ],
    residual: 'none: no ground truth for this space; error is a ranking score, not an error',
  },
};
