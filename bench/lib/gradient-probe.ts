// The gradient-proxy probe: the evaluator's GradientProbe (synflow, jacob_cov, ZiCo, AZ-NAS
// trainability on tfjs, engineer G's), one probe per seed (the seed plays the experiment seed).
import { spaceByName } from '../../search/spaces/index.js';
import { GRADIENT_PROXIES, GradientProbe } from '../../evaluator/estimators/proxies/gradient-probe.js';
import type { NetworkOptions } from '../../search/space.js';
import { sizeKey, type Probe, type ProbeResult } from './probe.js';

/** Bench names of the proxies (az_trainability is the zero-cost feature `trainability`). */
const NAME: Record<(typeof GRADIENT_PROXIES)[number], string> = { synflow: 'synflow', jacob_cov: 'jacob_cov', zico: 'zico', az_trainability: 'trainability' };

/**
 * `only`: the proxies to compute (all by default); the WASM backend makes some cost a minute per cell.
 * `size` overrides the proxy network, as the forward probe's; its fields join the cache key.
 */
export function makeGradientProbe(cifar10: string, batch: number, only: readonly (typeof GRADIENT_PROXIES)[number][] = GRADIENT_PROXIES, size: NetworkOptions = {}): Probe {
  const probes = new Map<number, GradientProbe>();
  return {
    name: `gradients(b${batch},${only.join('+')}${sizeKey(size)})`,
    seeded: true,
    spaces: ['nb201', 'darts'],
    async measure(spaceName, arch, seed): Promise<ProbeResult> {
      let p = probes.get(seed);
      if (!p) {
        p = GradientProbe.create(cifar10, seed, { batchSize: batch });
        probes.set(seed, p);
      }
      const m = await p.measureGenome(spaceByName(spaceName), arch.genome, only, size);
      const scores: Record<string, number> = {};
      const seconds: Record<string, number> = {};
      for (const k of only) {
        scores[NAME[k]] = m.scores[k] ?? NaN;
        seconds[NAME[k]] = m.seconds[k] ?? NaN;
      }
      return { scores, seconds };
    },
  };
}
