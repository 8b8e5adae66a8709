// The forward-proxy probe: the evaluator's ForwardProxyProbe (NASWOT, SWAP, MeCo, Zen-score,
// AZ-NAS expressivity and progressivity from one He-weight pass and one Gaussian pair), one
// probe per seed (the seed plays the experiment seed), ONNX Runtime on the CPU.
import { genomeHash } from '../../search/hash.js';
import { spaceByName } from '../../search/spaces/index.js';
import { OnnxEngine } from '../../evaluator/backends/onnx/backend.js';
import { FORWARD_PROXIES, ForwardProxyProbe } from '../../evaluator/estimators/proxies/forward.js';
import type { NetworkOptions } from '../../search/space.js';
import { sizeKey, type Probe, type ProbeResult } from './probe.js';

/**
 * `size` overrides the space's proxy network (e.g. `{ cells: 5 }`: NB201's final depth at the
 * proxy's channels); its fields join the cache key, so each size is measured apart.
 */
export async function makeProxyProbe(cifar10: string, batch: number, mecoImages: 1 | 8, threads = 2, size: NetworkOptions = {}): Promise<Probe> {
  const engine = await OnnxEngine.create({ threads, cuda: false });
  const probes = new Map<number, ForwardProxyProbe>();
  return {
    name: `proxies(b${batch},meco${mecoImages}${sizeKey(size)})`,
    seeded: true,
    spaces: ['nb201', 'darts'],
    async measure(spaceName, arch, seed): Promise<ProbeResult> {
      let p = probes.get(seed);
      if (!p) {
        p = ForwardProxyProbe.create({ dataset: cifar10, seed, batch, engine, mecoImages });
        probes.set(seed, p);
      }
      const space = spaceByName(spaceName);
      const genome = space.parse(arch.genome);
      const m = await p.measure(space.build(genome, 'proxy', size), genomeHash(space.name, space.serialize(genome)));
      const scores: Record<string, number> = {};
      const seconds: Record<string, number> = {};
      for (const name of FORWARD_PROXIES.filter((p) => Number.isFinite(m.scores[p]) || p !== 'meco8')) {
        scores[name] = m.scores[name];
        seconds[name] = m.seconds.perProxy[name];
      }
      seconds['all forward proxies'] = m.seconds.total;
      return { scores, seconds };
    },
  };
}
