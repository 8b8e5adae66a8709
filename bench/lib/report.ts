// Fidelity tables: for each estimator and sample, Kendall τ and Spearman ρ per seed with 95%
// bootstrap intervals, the spread over seeds, and seconds per architecture.
import { bootstrapInterval, kendallTau, spearmanRho, type Interval } from './rank.js';

/** One estimator's scores on one sample for one seed; higher score = predicted more accurate. */
export interface Series {
  readonly estimator: string;
  readonly sample: string;
  readonly seed: number;
  readonly scores: readonly number[];
  readonly accuracy: readonly number[];
  /** Mean seconds per architecture (NaN when free, e.g. a table lookup). */
  readonly secondsPerArch: number;
  /** Architectures whose evaluation failed (ranked last, tied). */
  readonly failed: number;
}

export interface Row {
  readonly estimator: string;
  readonly sample: string;
  readonly n: number;
  readonly perSeed: { seed: number; tau: Interval; rho: Interval }[];
  readonly tauMean: number;
  /** max − min of τ over seeds. */
  readonly tauSpread: number;
  readonly secondsPerArch: number;
  readonly failed: number;
}

export function summarise(series: readonly Series[], resamples = 1000): Row[] {
  const groups = new Map<string, Series[]>();
  for (const s of series) {
    const key = `${s.estimator}\u0000${s.sample}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].map((group) => {
    const perSeed = group
      .sort((a, b) => a.seed - b.seed)
      .map((s) => ({
        seed: s.seed,
        tau: bootstrapInterval(s.scores, s.accuracy, kendallTau, { resamples, seed: s.seed }),
        rho: bootstrapInterval(s.scores, s.accuracy, spearmanRho, { resamples, seed: s.seed }),
      }));
    const taus = perSeed.map((p) => p.tau.estimate);
    return {
      estimator: group[0].estimator,
      sample: group[0].sample,
      n: group[0].scores.length,
      perSeed,
      tauMean: taus.reduce((a, b) => a + b, 0) / taus.length,
      tauSpread: Math.max(...taus) - Math.min(...taus),
      secondsPerArch: group.reduce((a, s) => a + s.secondsPerArch, 0) / group.length,
      failed: Math.max(...group.map((s) => s.failed)),
    };
  });
}

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');
const interval = (i: Interval) => `${f2(i.estimate)} [${f2(i.low)}, ${f2(i.high)}]`;

/** A Markdown table (it reads fine in a terminal and pastes into docs/fidelity.md). */
export function markdownTable(rows: readonly Row[]): string {
  const seeds = [...new Set(rows.flatMap((r) => r.perSeed.map((p) => p.seed)))].sort((a, b) => a - b);
  const header = [
    'estimator',
    'sample',
    'n',
    ...seeds.map((s) => `τ seed ${s} [95% CI]`),
    ...seeds.map((s) => `ρ seed ${s} [95% CI]`),
    'τ mean',
    'τ spread',
    's/arch',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const bySeed = new Map(r.perSeed.map((p) => [p.seed, p]));
    const cell = (seed: number, k: 'tau' | 'rho') => {
      const p = bySeed.get(seed);
      return p ? interval(p[k]) : '–';
    };
    lines.push(
      `| ${[
        r.estimator,
        r.sample,
        r.failed > 0 ? `${r.n} (${r.failed} failed)` : String(r.n),
        ...seeds.map((s) => cell(s, 'tau')),
        ...seeds.map((s) => cell(s, 'rho')),
        f2(r.tauMean),
        r.perSeed.length > 1 ? f2(r.tauSpread) : '–',
        Number.isFinite(r.secondsPerArch) ? r.secondsPerArch.toFixed(2) : '–',
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
