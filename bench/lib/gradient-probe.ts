// The gradient-based proxies (evaluator/estimators/proxies/) as a fidelity-bench Probe: one
// GradientProbe per seed (its batches come from the seed), scores higher = better.
import { GradientProbe, GRADIENT_PROXIES, type GradientProxy } from '../../evaluator/estimators/proxies/gradient-probe.js';
import { spaceByName } from '../../search/spaces/index.js';
import type { Architecture } from './groundtruth.js';
import type { BenchSpace, Probe, ProbeResult } from './probe.js';

export function gradientProxyProbe(cifar10: string, proxies: readonly GradientProxy[] = GRADIENT_PROXIES, batchSize = 64): Probe {
  const bySeed = new Map<number, GradientProbe>();
  return {
    name: `grad-b${batchSize}-${proxies.join('+')}`,
    seeded: true,
    spaces: ['nb201', 'darts'],
    async measure(space: BenchSpace, arch: Architecture, seed: number): Promise<ProbeResult> {
      let probe = bySeed.get(seed);
      if (!probe) {
        probe = GradientProbe.create(cifar10, seed, { batchSize });
        bySeed.set(seed, probe);
      }
      const m = await probe.measureGenome(spaceByName(space), arch.genome, proxies);
      return { scores: m.scores as Record<string, number>, seconds: m.seconds as Record<string, number> };
    },
  };
}
