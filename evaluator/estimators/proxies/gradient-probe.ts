// The gradient-based proxies behind one probe: CIFAR-10 is loaded once and its batches drawn
// from the experiment seed (every genome sees the same images); per genome the proxy network
// is built and seeded as the evaluator seeds it (experiment seed, genome hash), and each
// proxy asked for is computed on tfjs (see differentiable.ts).
import { genomeHash, hashSeed } from '../../../search/hash.js';
import type { Graph } from '../../../search/ir.js';
import { Rng } from '../../../search/random.js';
import type { NetworkOptions, SearchSpace } from '../../../search/space.js';
import { initBackend } from '../../backends/tfjs/backend.js';
import { initWeights, type Weights } from '../../backends/weights.js';
import { channelStats, gather, loadTrainSplit, normalisedBatch, type ImageSet } from '../../data/cifar10.js';
import { azTrainability, rademacher } from './az-trainability.js';
import type { LabelledBatch } from './batch.js';
import type { BlockLayout } from './blocks.js';
import { jacobCov } from './jacob-cov.js';
import { synflow } from './synflow.js';
import { zico } from './zico.js';

export const GRADIENT_PROXIES = ['synflow', 'jacob_cov', 'zico', 'az_trainability'] as const;
export type GradientProxy = (typeof GRADIENT_PROXIES)[number];

export interface GradientProbeOptions {
  /**
   * Images per batch (the reference codes' NB201 setting: 64). On tfjs's WASM backend (a 4 GB
   * heap) a DARTS proxy's backward pass can run out of memory: at 32 on the first NB301
   * architecture tried, and at 16 on the 9th of a run (8 measured); 8 ran on the one tried.
   */
  readonly batchSize?: number;
  /** Mini-batches for ZiCo (its code: 2); jacob_cov and AZ-NAS use the first. */
  readonly batches?: number;
}

export interface GradientMeasurement {
  readonly scores: Partial<Record<GradientProxy, number>>;
  /** Wall-clock seconds per proxy. */
  readonly seconds: Partial<Record<GradientProxy, number>>;
  readonly backend: string;
}

/** What one network needs for the proxies: its graph, weights, block layout and the seed of AZ-NAS's signs. */
export interface ProxyNetwork {
  readonly graph: Graph;
  readonly weights: Weights;
  readonly layout: BlockLayout;
  /** Seeds AZ-NAS's random ±1 tensors. */
  readonly signSeed: readonly number[];
}

/** Computes the proxies asked for on one network and batches; deterministic for equal inputs. */
export async function measureProxies(net: ProxyNetwork, batches: readonly LabelledBatch[], proxies: readonly GradientProxy[]): Promise<GradientMeasurement> {
  const scores: Partial<Record<GradientProxy, number>> = {};
  const seconds: Partial<Record<GradientProxy, number>> = {};
  for (const proxy of proxies) {
    const t0 = performance.now();
    scores[proxy] = await measureOne(net, batches, proxy);
    seconds[proxy] = Math.round(performance.now() - t0) / 1000;
  }
  return { scores, seconds, backend: await initBackend() };
}

function measureOne(net: ProxyNetwork, batches: readonly LabelledBatch[], proxy: GradientProxy): Promise<number> {
  switch (proxy) {
    case 'synflow':
      return synflow(net.graph, net.weights);
    case 'jacob_cov':
      return jacobCov(net.graph, net.weights, batches[0]);
    case 'zico':
      return zico(net.graph, net.weights, batches);
    case 'az_trainability':
      return azTrainability(net.graph, net.weights, batches[0], net.layout, rademacher(Rng.seeded(...net.signSeed)));
    default:
      throw new RangeError(`gradient proxy: expected one of ${GRADIENT_PROXIES.join(', ')}, got ${JSON.stringify(proxy)}`);
  }
}

export class GradientProbe {
  private constructor(
    readonly seed: number,
    readonly batches: readonly LabelledBatch[],
  ) {}

  /** Loads the CIFAR-10 train split from `datasetDir` (cifar-10-batches-bin) and draws the batches from `seed`. */
  static create(datasetDir: string, seed: number, opts: GradientProbeOptions = {}): GradientProbe {
    const batchSize = opts.batchSize ?? 64;
    const count = opts.batches ?? 2;
    for (const [name, v, min] of [['batchSize', batchSize, 2], ['batches', count, 2]] as const) {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`gradient probe: ${name} must be an integer >= ${min}, got ${v}`);
    }
    const all = loadTrainSplit(datasetDir);
    return new GradientProbe(seed, drawBatches(all, batchSize, count, Rng.seeded(seed, 0x9a4d)));
  }

  /** Measures the proxy network of `genome` (any notation its space parses). */
  async measureGenome(space: SearchSpace, genome: string, proxies: readonly GradientProxy[], options?: NetworkOptions): Promise<GradientMeasurement> {
    return measureProxies(this.network(space, genome, options), this.batches, proxies);
  }

  /** The proxy network of `genome`, seeded as the evaluator seeds it. */
  network(space: SearchSpace, genome: string, options?: NetworkOptions): ProxyNetwork {
    const canonical = space.serialize(space.parse(genome));
    const graph = space.build(space.parse(canonical), 'proxy', options);
    const hash = genomeHash(space.name, canonical);
    return {
      graph,
      weights: initWeights(graph, this.seed, hash),
      layout: { space: space.name, cellsPerStage: options?.cells ?? space.defaults.proxy.cells },
      signSeed: [this.seed, hashSeed(hash), 0xa2],
    };
  }
}

/** `count` disjoint batches of `size` images drawn without replacement, normalised by their own channel statistics. */
export function drawBatches(set: ImageSet, size: number, count: number, rng: Rng): LabelledBatch[] {
  const total = size * count;
  if (total > set.count) throw new RangeError(`gradient probe: ${count} batches of ${size} need ${total} images, the train split has ${set.count}`);
  const perm = new Int32Array(set.count);
  for (let i = 0; i < set.count; i++) perm[i] = i;
  for (let i = 0; i < total; i++) {
    const j = i + rng.int(set.count - i);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const drawn = gather(set, perm.subarray(0, total));
  const stats = channelStats(drawn);
  const batches: LabelledBatch[] = [];
  for (let b = 0; b < count; b++) {
    const images = normalisedBatch(drawn, b * size, size, stats);
    batches.push({ images, labels: drawn.labels.slice(b * size, (b + 1) * size), n: size });
  }
  return batches;
}
