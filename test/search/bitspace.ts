// A tiny search space for engine tests: genomes are bit strings of fixed length, with
// analytic objectives (ZDT1 for two, a DTLZ-like third), so fronts are known and cheap.
import type { Rng } from '../../search/random.js';
import { GenomeError, type SearchSpace, type SpaceName } from '../../search/space.js';
import type { Candidate, TrialResult } from '../../search/trial.js';

export function bitSpace(length: number): SearchSpace<number[]> {
  const name = 'bits' as SpaceName;
  return {
    name,
    defaults: {
      final: { channels: 1, cells: 1, widthMultiplier: 1, numClasses: 10, inputSize: 32 },
      proxy: { channels: 1, cells: 1, widthMultiplier: 1, numClasses: 10, inputSize: 32 },
    },
    unusedOptions: [],
    parse(text) {
      if (text.length !== length) throw new GenomeError(name, Math.min(text.length, length), `${length} bits`, `${text.length} characters`);
      return [...text].map((c, i) => {
        if (c !== '0' && c !== '1') throw new GenomeError(name, i, '0 or 1', JSON.stringify(c));
        return Number(c);
      });
    },
    serialize: (g) => g.join(''),
    sample: (rng: Rng) => Array.from({ length }, () => rng.int(2)),
    mutate(g, rng, rate) {
      const out = g.map((b) => (rng.next() < rate ? 1 - b : b));
      if (out.every((b, i) => b === g[i])) {
        const i = rng.int(length);
        out[i] = 1 - out[i];
      }
      return out;
    },
    crossover(a, b, rng) {
      const c = [...a];
      const d = [...b];
      for (let i = 0; i < length; i++) if (rng.next() < 0.5) [c[i], d[i]] = [d[i], c[i]];
      return [c, d];
    },
    build() {
      throw new Error('bitSpace has no networks');
    },
  };
}

/** ZDT1 on a bit string: x from the first 6 bits, g from the ones among the rest. */
export function zdt(genome: string): { error: number; flops: number; params: number } {
  const bits = [...genome].map(Number);
  const x = parseInt(genome.slice(0, 6), 2) / 63;
  const rest = bits.slice(6);
  const g = 1 + (9 * rest.reduce((s, b) => s + b, 0)) / Math.max(1, rest.length);
  const f2 = g * (1 - Math.sqrt(x / g));
  const y = parseInt(genome.slice(6, 9) || '0', 2) / 7;
  return { error: x * (1 - y / 2) * 100, flops: f2 * 1e6, params: (1 - x) * y * g * 1000 };
}

/** Evaluates a candidate; genomes ending in `failSuffix` fail (to exercise failure handling). */
export function evaluate({ trial, genome }: Pick<Candidate, 'trial' | 'genome'>, failSuffix = '\u0000'): TrialResult {
  if (genome.endsWith(failSuffix)) return { trial, status: 'Failed', objectives: {}, reason: 'simulated failure' };
  return { trial, status: 'Succeeded', objectives: zdt(genome) };
}
