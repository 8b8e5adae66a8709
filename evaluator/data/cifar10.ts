// CIFAR-10 in the official binary layout (`cifar-10-batches-bin`): each record is one label
// byte and 3,072 pixel bytes (1,024 R, 1,024 G, 1,024 B, row-major 32x32). Images stay bytes
// (50,000 train images are 154 MB); batches are normalised to float only when fed to a network.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../search/random.js';

export const IMAGE_SIDE = 32;
export const IMAGE_CHANNELS = 3;
export const IMAGE_BYTES = IMAGE_CHANNELS * IMAGE_SIDE * IMAGE_SIDE;
export const RECORD_BYTES = IMAGE_BYTES + 1;
export const NUM_CLASSES = 10;
/** Every official batch file holds exactly 10,000 records; another size is a truncated or foreign file. */
export const BATCH_RECORDS = 10_000;
export const BATCH_BYTES = BATCH_RECORDS * RECORD_BYTES;
/** How to point a run at an existing copy (appended to errors about a missing data set). */
export const DATASET_HINT = 'point spec.evaluation.dataset.path at a cifar-10-batches-bin directory (rwenas run: --set spec.evaluation.dataset.path=DIR)';
export const TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const TEST_FILE = 'test_batch.bin';
export const META_FILE = 'batches.meta.txt';

/** Images as bytes, `count` records of IMAGE_BYTES each (CHW), with their labels 0..9. */
export interface ImageSet {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export class DatasetError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`CIFAR-10 ${file}: ${problem}`);
    this.name = 'DatasetError';
  }
}

/** Reads and checks one batch file (exactly 10,000 records of 3,073 bytes, labels 0..9). */
export function readBatchFile(path: string): ImageSet {
  if (!existsSync(path)) throw new DatasetError(path, `missing (expected the cifar-10-batches-bin layout: data_batch_1..5.bin, test_batch.bin, batches.meta.txt); ${DATASET_HINT}`);
  const bytes = readFileSync(path);
  if (bytes.length !== BATCH_BYTES) {
    const records = bytes.length % RECORD_BYTES === 0 ? `${bytes.length / RECORD_BYTES} records` : `not a whole number of ${RECORD_BYTES}-byte records`;
    throw new DatasetError(path, `size ${bytes.length} bytes (${records}), expected ${BATCH_BYTES} (${BATCH_RECORDS} records): truncated or not a CIFAR-10 binary batch`);
  }
  const count = bytes.length / RECORD_BYTES;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * RECORD_BYTES;
    const label = bytes[at];
    if (label >= NUM_CLASSES) throw new DatasetError(path, `record ${i} has label ${label}, expected 0..${NUM_CLASSES - 1}`);
    labels[i] = label;
    images.set(bytes.subarray(at + 1, at + RECORD_BYTES), i * IMAGE_BYTES);
  }
  return { images, labels, count };
}

/** Class names from `batches.meta.txt` (one per line). */
export function readClassNames(dir: string): string[] {
  const path = join(dir, META_FILE);
  if (!existsSync(path)) throw new DatasetError(path, `missing (expected the cifar-10-batches-bin layout); ${DATASET_HINT}`);
  const names = readFileSync(path, 'utf8').split('\n').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length !== NUM_CLASSES) throw new DatasetError(path, `has ${names.length} class names, expected ${NUM_CLASSES}`);
  return names;
}

/** The 50,000-image train split (the only split search may use). */
export function loadTrainSplit(dir: string): ImageSet {
  if (!existsSync(dir)) throw new DatasetError(dir, `no such directory; ${DATASET_HINT}`);
  if (!statSync(dir).isDirectory()) throw new DatasetError(dir, `is a file, expected a directory (cifar-10-batches-bin with data_batch_1..5.bin); ${DATASET_HINT}`);
  readClassNames(dir);
  return concatSets(TRAIN_FILES.map((f) => readBatchFile(join(dir, f))));
}

function concatSets(sets: readonly ImageSet[]): ImageSet {
  const count = sets.reduce((n, s) => n + s.count, 0);
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const s of sets) {
    images.set(s.images, at * IMAGE_BYTES);
    labels.set(s.labels, at);
    at += s.count;
  }
  return { images, labels, count };
}

/** Seeded, disjoint train and validation index sets drawn from `count` images. */
export function splitIndices(count: number, trainSamples: number, validationSamples: number, rng: Rng, source = 'train split'): { train: Int32Array; validation: Int32Array } {
  for (const [name, n] of [['trainSamples', trainSamples], ['validationSamples', validationSamples]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`spec.evaluation.rwe.${name}: expected a positive integer, got ${n}`);
  }
  if (trainSamples + validationSamples > count) {
    throw new DatasetError(source, `has ${count} images, too few for trainSamples ${trainSamples} + validationSamples ${validationSamples}`);
  }
  // Partial Fisher-Yates: only the first train+validation positions are drawn.
  const perm = new Int32Array(count);
  for (let i = 0; i < count; i++) perm[i] = i;
  const need = trainSamples + validationSamples;
  for (let i = 0; i < need; i++) {
    const j = i + rng.int(count - i);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return { train: perm.slice(0, trainSamples), validation: perm.slice(trainSamples, need) };
}

export function gather(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const images = new Uint8Array(indices.length * IMAGE_BYTES);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    images.set(set.images.subarray(k * IMAGE_BYTES, (k + 1) * IMAGE_BYTES), i * IMAGE_BYTES);
    labels[i] = set.labels[k];
  }
  return { images, labels, count: indices.length };
}

/** Per-channel mean and standard deviation (pixel scale 0..1) of a set. */
export interface ChannelStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export function channelStats(set: ImageSet): ChannelStats {
  const plane = IMAGE_SIDE * IMAGE_SIDE;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < IMAGE_CHANNELS; c++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < set.count; i++) {
      const base = i * IMAGE_BYTES + c * plane;
      for (let p = 0; p < plane; p++) {
        const v = set.images[base + p];
        s += v;
        s2 += v * v;
      }
    }
    const n = set.count * plane;
    const m = s / n;
    mean.push(m / 255);
    std.push(Math.sqrt(Math.max(s2 / n - m * m, 1e-12)) / 255);
  }
  return { mean, std };
}

/** Images [start, start+n) as a normalised float NCHW batch. */
export function normalisedBatch(set: ImageSet, start: number, n: number, stats: ChannelStats): Float32Array {
  const plane = IMAGE_SIDE * IMAGE_SIDE;
  const out = new Float32Array(n * IMAGE_BYTES);
  for (let i = 0; i < n; i++) {
    const src = (start + i) * IMAGE_BYTES;
    for (let c = 0; c < IMAGE_CHANNELS; c++) {
      const scale = 1 / (255 * stats.std[c]);
      const shift = stats.mean[c] / stats.std[c];
      const o = i * IMAGE_BYTES + c * plane;
      for (let p = 0; p < plane; p++) out[o + p] = set.images[src + c * plane + p] * scale - shift;
    }
  }
  return out;
}
