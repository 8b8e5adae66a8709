// The probes the fidelity benchmark can run. `reference`: published numbers that cost no
// evaluation here (NB201's 12-epoch accuracy: the early-stopping baseline; NB301's own params
// and FLOPs of its training network).
import type { Probe } from './lib/probe.js';

const reference: Probe = {
  name: 'reference',
  seeded: false,
  spaces: ['nb201', 'darts'],
  async measure(space, arch) {
    if (space === 'nb201') return { scores: { 'train-12-epochs (published)': arch.extra.acc12 }, seconds: NaN };
    return { scores: { 'params (NB301 net, published)': arch.extra.params_m, 'flops (NB301 net, published)': arch.extra.flops_m }, seconds: NaN };
  },
};

export const PROBE_NAMES = ['reference'];

/** Pairs of estimators to combine (a, b): score = z(a) + w·z(b), w fitted on the tuning sample. */
export const COMBINATIONS: [string, string][] = [];

export async function makeProbes(names: readonly string[]): Promise<Probe[]> {
  return names.filter((n) => {
    if (!PROBE_NAMES.includes(n)) {
      console.error(`bench:fidelity: probe ${n} is not available (have ${PROBE_NAMES.join(', ')}); skipped`);
      return false;
    }
    return true;
  }).map((n) => ({ reference })[n as 'reference']);
}
