// The measured fidelity of a study's estimator, from docs/fidelity.md (copied into
// fidelity.generated.ts): which rows of the fidelity benchmark's tables describe it.
import { FIDELITY } from './fidelity.generated.js';

export interface FidelityTable {
  readonly space: string;
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface FidelityData {
  readonly source: string;
  readonly tables: readonly FidelityTable[];
  readonly defaults: { readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] };
}

/** The benchmark's row names of each evaluation method as shipped. */
const ROWS: Record<string, RegExp> = {
  // nb201's shipped fit is the 5-cell one; the 1-cell fit's rows are named "zero-cost fitted on the 1-cell proxy".
  'zero-cost': /^zero-cost fitted \(/,
  naswot: /^naswot$/,
  'naswot+params': /^naswot \+ [\d.]+·log params$/,
  rwe: /^rwe all@1 softmax$/,
  'rwe+naswot': /^rwe\+naswot as shipped/,
};

/** The tables of `space` cut down to the method's rows (and the published reference rows). */
export function fidelityOf(space: string, method: string, data: FidelityData = FIDELITY): { tables: FidelityTable[]; defaults: FidelityData['defaults']; source: string } {
  const pattern = ROWS[method];
  const tables = pattern
    ? data.tables
        .filter((t) => t.space === space)
        .map((t) => ({ ...t, rows: t.rows.filter((r) => pattern.test(r[0])) }))
        .filter((t) => t.rows.length > 0)
    : [];
  const defaults = { header: data.defaults.header, rows: data.defaults.rows.filter((r) => r[0] === space || r[0] === 'both') };
  return { tables, defaults, source: data.source };
}
