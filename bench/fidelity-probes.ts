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

export const PROBE_NAMES = ['reference', 'complexity', 'rwe'];

/** Pairs of estimators to combine (a, b): score = z(a) + w·z(b), w fitted on the tuning sample. */
export const COMBINATIONS: [string, string][] = [
  ['naswot', 'params'],
  ['naswot', 'log params'],
  ['naswot', 'log flops'],
  ['naswot', 'rwe last@1 softmax'],
  ['params', 'rwe last@1 softmax'],
];

export interface ProbeOptions {
  /** `--rwe key=value,...` settings for the rwe probe. */
  readonly rwe?: string;
  /** cifar-10-batches-bin directory. */
  readonly cifar10?: string;
}

export async function makeProbes(names: readonly string[], options: ProbeOptions = {}): Promise<Probe[]> {
  const out: Probe[] = [];
  for (const n of names) {
    if (n === 'reference') out.push(reference);
    else if (n === 'complexity') out.push(complexity);
    else if (n === 'rwe') {
      const dir = options.cifar10 ?? process.env.RWENAS_CIFAR10 ?? join(homedir(), '.cache', 'cifar10', 'cifar-10-batches-bin');
      out.push(await makeRweProbe(parseRweSettings(options.rwe), dir));
    } else throw new Error(`--probes: unknown probe ${n} (have ${PROBE_NAMES.join(', ')})`);
  }
  return out;
}
