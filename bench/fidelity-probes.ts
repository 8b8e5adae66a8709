// The probes the fidelity benchmark can run.
//   reference:  published numbers that cost no evaluation here (NB201's 12-epoch accuracy, the
//               early-stopping baseline; NB301's own params and FLOPs of its training network).
//   complexity: params and FLOPs of the space's final network, counted on the IR.
//   rwe:        one random-weight forward pass of the proxy: RWE variants and NASWOT.
import { join } from 'node:path';
import { homedir } from 'node:os';
import { countComplexity } from '../search/complexity.js';
import { spaceByName } from '../search/spaces/index.js';
import type { Probe, ProbeResult } from './lib/probe.js';
import { makeRweProbe, parseRweSettings } from './lib/rwe-probe.js';
import { makeProxyProbe } from './lib/proxy-probe.js';
import { makeGradientProbe } from './lib/gradient-probe.js';
import { GRADIENT_PROXIES } from '../evaluator/estimators/proxies/gradient-probe.js';
import type { NetworkOptions } from '../search/space.js';

const reference: Probe = {
  name: 'reference',
  seeded: false,
  spaces: ['nb201', 'darts'],
  async measure(space, arch): Promise<ProbeResult> {
    if (space === 'nb201') return { scores: { 'train-12-epochs (published)': arch.extra.acc12 }, seconds: {} };
    return { scores: { 'params (NB301 net, published)': arch.extra.params_m, 'flops (NB301 net, published)': arch.extra.flops_m }, seconds: {} };
  },
};

const complexity: Probe = {
  // Logs too: a linear combination with NASWOT is not invariant to monotone transforms.
  name: 'complexity+log',
  seeded: false,
  spaces: ['nb201', 'darts'],
  async measure(spaceName, arch) {
    const t0 = performance.now();
    const space = spaceByName(spaceName);
    const { params, flops } = countComplexity(space.build(space.parse(arch.genome), 'final'));
    const s = (performance.now() - t0) / 1000;
    return {
      scores: { params, flops, 'log params': Math.log(params), 'log flops': Math.log(flops) },
      seconds: { params: s, flops: s, 'log params': s, 'log flops': s },
    };
  },
};

export const PROBE_NAMES = ['reference', 'complexity', 'rwe', 'shipped', 'proxies', 'gradients'];

/** Pairs of estimators to combine (a, b): score = z(a) + w·z(b), w fitted on the tuning sample. */
export const COMBINATIONS: [string, string][] = [
  ['naswot', 'log params'],
  ['naswot', 'log flops'],
  ['naswot', 'rwe all@1 softmax'],
  ['log params', 'rwe all@1 softmax'],
];

export interface ProbeOptions {
  /** `--rwe key=value,...` settings for the rwe probe. */
  readonly rwe?: string;
  /** cifar-10-batches-bin directory. */
  readonly cifar10?: string;
  /** `PATH=VALUE` overrides for the shipped probe's manifest. */
  readonly shippedSets?: readonly string[];
  /** Images per batch of the forward-proxy probe. */
  readonly proxyBatch?: number;
  /** Images MeCo reads in the forward-proxy probe (8 adds MeCo-8). */
  readonly mecoImages?: 1 | 8;
  /** Overrides of the forward and gradient probes' proxy network (`--proxy-size cells=5`). */
  readonly proxySize?: NetworkOptions;
}

export async function makeProbes(names: readonly string[], options: ProbeOptions = {}): Promise<Probe[]> {
  const out: Probe[] = [];
  for (const n of names) {
    const dir = options.cifar10 ?? process.env.RWENAS_CIFAR10 ?? join(homedir(), '.cache', 'cifar10', 'cifar-10-batches-bin');
    if (n === 'reference') out.push(reference);
    else if (n === 'complexity') out.push(complexity);
    else if (n === 'rwe') {
      out.push(await makeRweProbe(parseRweSettings(options.rwe), dir));
    } else if (n.startsWith('gradients')) {
      // gradients or gradients:synflow+zico (a subset: the WASM backend is slow).
      const only = n.includes(':') ? (n.split(':')[1].split('+') as (typeof GRADIENT_PROXIES)[number][]) : GRADIENT_PROXIES;
      for (const g of only) if (!GRADIENT_PROXIES.includes(g)) throw new Error(`--probes ${n}: unknown gradient proxy ${g} (have ${GRADIENT_PROXIES.join(', ')})`);
      out.push(makeGradientProbe(dir, options.proxyBatch ?? 64, only, options.proxySize));
    } else if (n === 'proxies') {
      out.push(await makeProxyProbe(dir, options.proxyBatch ?? 64, options.mecoImages ?? 8, 2, options.proxySize));
    } else if (n === 'shipped') out.push(await makeShippedProbe(dir, options.shippedSets ?? []));
    else throw new Error(`--probes: unknown probe ${n} (have ${PROBE_NAMES.join(', ')})`);
  }
  return out;
}

/**
 * `shipped`: the evaluator's own RandomWeightProbe (method rwe+naswot: both from one pass),
 * configured by examples/<space>-rwe.yaml plus `--shipped-set PATH=VALUE;...` overrides, the
 * seed as spec.algorithm.seed. It checks that the bench's figures are what `rwenas evaluate` runs.
 */
export async function makeShippedProbe(cifar10: string, sets: readonly string[]): Promise<Probe> {
  const { readFileSync } = await import('node:fs');
  const { loadManifest } = await import('../search/experiment/load.js');
  const { RandomWeightProbe } = await import('../evaluator/estimators/random-weight.js');
  const probes = new Map<string, Awaited<ReturnType<typeof RandomWeightProbe.create>>>();
  const probeFor = async (space: string, seed: number) => {
    const key = `${space}/${seed}`;
    let p = probes.get(key);
    if (!p) {
      const file = join('examples', `${space}-rwe.yaml`);
      const manifest = loadManifest(readFileSync(file, 'utf8'), file, {
        sets: [`spec.evaluation.dataset.path=${cifar10}`, `spec.algorithm.seed=${seed}`, 'spec.evaluation.method=rwe+naswot', ...sets],
      });
      p = await RandomWeightProbe.create(manifest.spec, { engine: 'onnx', threads: 2 });
      probes.set(key, p);
    }
    return p;
  };
  return {
    name: `shipped(${sets.join(';')})`,
    seeded: true,
    spaces: ['nb201', 'darts'],
    async measure(spaceName, arch, seed): Promise<ProbeResult> {
      const space = spaceByName(spaceName);
      const genome = space.parse(arch.genome);
      const probe = await probeFor(spaceName, seed);
      const r = await probe.measureGenome(space, genome, space.serialize(genome), 'rwe+naswot');
      const s = r.stats.featureSeconds + r.stats.classifierSeconds;
      return {
        scores: { 'shipped rwe': -(r.rweError ?? NaN), 'shipped naswot': r.naswotScore ?? NaN },
        seconds: { 'shipped rwe': s, 'shipped naswot': s },
      };
    },
  };
}
