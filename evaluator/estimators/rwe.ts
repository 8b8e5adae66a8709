// Random-Weight Evaluation's last layer: features standardised with the train subset's
// statistics, a softmax (multinomial logistic regression) classifier with L2, trained by
// mini-batch Adam for a fixed number of epochs in a seeded order (deterministic), and its
// validation error in percent.
import type { Rng } from '../../search/random.js';
import type { FeatureMatrix } from './features.js';

export interface ClassifierOptions {
  readonly epochs: number;
  /** L2 penalty on the weights (not the biases), added to the mean cross-entropy as l2/2 |W|^2. */
  readonly l2: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly classes: number;
}

/** Per-feature mean/std of `train`, applied to both sets (constant features become 0). */
export function standardise(train: FeatureMatrix, other: FeatureMatrix): [Float64Array, Float64Array] {
  const { dim } = train;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < train.n; i++) {
    for (let d = 0; d < dim; d++) {
      const v = train.data[i * dim + d];
      mean[d] += v;
      sq[d] += v * v;
    }
  }
  const scale = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    mean[d] /= train.n;
    const variance = sq[d] / train.n - mean[d] * mean[d];
    scale[d] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 0;
  }
  const apply = (m: FeatureMatrix): Float64Array => {
    const out = new Float64Array(m.n * dim);
    for (let i = 0; i < m.n; i++) for (let d = 0; d < dim; d++) out[i * dim + d] = (m.data[i * dim + d] - mean[d]) * scale[d];
    return out;
  };
  return [apply(train), apply(other)];
}

/** A trained softmax classifier: weights [classes][dim] then biases [classes]. */
export interface Softmax {
  readonly w: Float64Array;
  readonly b: Float64Array;
  readonly dim: number;
  readonly classes: number;
}

function logits(model: Softmax, x: Float64Array, row: number, out: Float64Array): void {
  const { dim, classes, w, b } = model;
  const base = row * dim;
  for (let k = 0; k < classes; k++) {
    // Four partial sums: shorter dependency chains, about twice the speed in V8.
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const wk = k * dim;
    let d = 0;
    for (; d + 3 < dim; d += 4) {
      s0 += w[wk + d] * x[base + d];
      s1 += w[wk + d + 1] * x[base + d + 1];
      s2 += w[wk + d + 2] * x[base + d + 2];
      s3 += w[wk + d + 3] * x[base + d + 3];
    }
    for (; d < dim; d++) s0 += w[wk + d] * x[base + d];
    out[k] = b[k] + (s0 + s1) + (s2 + s3);
  }
}

function softmaxInPlace(z: Float64Array): void {
  let m = -Infinity;
  for (let k = 0; k < z.length; k++) if (z[k] > m) m = z[k];
  let s = 0;
  for (let k = 0; k < z.length; k++) {
    z[k] = Math.exp(z[k] - m);
    s += z[k];
  }
  for (let k = 0; k < z.length; k++) z[k] /= s;
}

export function trainSoftmax(x: Float64Array, labels: Uint8Array, n: number, dim: number, opts: ClassifierOptions, rng: Rng): Softmax {
  const { classes, epochs, l2, learningRate: lr, batchSize } = opts;
  const model: Softmax = { w: new Float64Array(classes * dim), b: new Float64Array(classes), dim, classes };
  const size = model.w.length + classes;
  const grad = new Float64Array(size);
  const m1 = new Float64Array(size);
  const m2 = new Float64Array(size);
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  const z = new Float64Array(classes);
  let order = Int32Array.from({ length: n }, (_, i) => i);
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    order = Int32Array.from(rng.shuffle([...order]));
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      grad.fill(0);
      for (let t = start; t < end; t++) {
        const i = order[t];
        logits(model, x, i, z);
        softmaxInPlace(z);
        z[labels[i]] -= 1;
        const base = i * dim;
        for (let k = 0; k < classes; k++) {
          const g = z[k];
          if (g === 0) continue;
          const wk = k * dim;
          let d = 0;
          for (; d + 3 < dim; d += 4) {
            grad[wk + d] += g * x[base + d];
            grad[wk + d + 1] += g * x[base + d + 1];
            grad[wk + d + 2] += g * x[base + d + 2];
            grad[wk + d + 3] += g * x[base + d + 3];
          }
          for (; d < dim; d++) grad[wk + d] += g * x[base + d];
          grad[model.w.length + k] += g;
        }
      }
      const inv = 1 / (end - start);
      step++;
      const c1 = 1 / (1 - beta1 ** step);
      const c2 = 1 / (1 - beta2 ** step);
      for (let p = 0; p < size; p++) {
        const isWeight = p < model.w.length;
        const value = isWeight ? model.w[p] : model.b[p - model.w.length];
        const g = grad[p] * inv + (isWeight ? l2 * value : 0);
        m1[p] = beta1 * m1[p] + (1 - beta1) * g;
        m2[p] = beta2 * m2[p] + (1 - beta2) * g * g;
        const next = value - (lr * m1[p] * c1) / (Math.sqrt(m2[p] * c2) + eps);
        if (isWeight) model.w[p] = next;
        else model.b[p - model.w.length] = next;
      }
    }
  }
  return model;
}

/** Misclassified share of the rows, in percent. */
export function errorPercent(model: Softmax, x: Float64Array, labels: Uint8Array, n: number): number {
  const z = new Float64Array(model.classes);
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    logits(model, x, i, z);
    let best = 0;
    for (let k = 1; k < model.classes; k++) if (z[k] > z[best]) best = k;
    if (best !== labels[i]) wrong++;
  }
  return (100 * wrong) / n;
}

/** RWE's `error`: train on the train features, validation error in percent. */
export function rweError(train: FeatureMatrix, trainLabels: Uint8Array, validation: FeatureMatrix, validationLabels: Uint8Array, opts: ClassifierOptions, rng: Rng): number {
  const [xt, xv] = standardise(train, validation);
  const model = trainSoftmax(xt, trainLabels, train.n, train.dim, opts, rng);
  return errorPercent(model, xv, validationLabels, validation.n);
}
