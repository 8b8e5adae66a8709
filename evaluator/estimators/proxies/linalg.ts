// Eigenvalues of small symmetric matrices (at most a few hundred rows), in float64: the
// cyclic Jacobi method, which is simple, unconditionally stable and accurate to rounding
// for symmetric input. Written here rather than pulled in as a dependency: it is 30 lines and
// the proxies need nothing else from a linear-algebra package.

/** Eigenvalues (ascending) of the symmetric n x n matrix `a` (row-major; only read). */
export function symmetricEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  if (a.length !== n * n) throw new RangeError(`symmetricEigenvalues: expected ${n * n} entries, got ${a.length}`);
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += m[i * n + i] ** 2;
      for (let j = i + 1; j < n; j++) off += m[i * n + j] ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) rotate(m, n, p, q);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = m[i * n + i];
  return out.sort();
}

/** One Jacobi rotation zeroing m[p][q] (and m[q][p]). */
function rotate(m: Float64Array, n: number, p: number, q: number): void {
  const apq = m[p * n + q];
  if (apq === 0) return;
  const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
  const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  for (let k = 0; k < n; k++) {
    const akp = m[k * n + p];
    const akq = m[k * n + q];
    m[k * n + p] = c * akp - s * akq;
    m[k * n + q] = s * akp + c * akq;
  }
  for (let k = 0; k < n; k++) {
    const apk = m[p * n + k];
    const aqk = m[q * n + k];
    m[p * n + k] = c * apk - s * aqk;
    m[q * n + k] = s * apk + c * aqk;
  }
}

/** Largest singular value of the r x c matrix `a` (row-major): sqrt of the largest eigenvalue of the smaller Gram matrix. */
export function largestSingularValue(a: ArrayLike<number>, r: number, c: number): number {
  if (a.length !== r * c) throw new RangeError(`largestSingularValue: expected ${r * c} entries, got ${a.length}`);
  const k = Math.min(r, c);
  const g = new Float64Array(k * k);
  // Gram of the rows (A Aᵀ) when r <= c, else of the columns (Aᵀ A).
  const at = r <= c ? (i: number, j: number) => a[i * c + j] : (i: number, j: number) => a[j * c + i];
  const len = Math.max(r, c);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let t = 0; t < len; t++) s += at(i, t) * at(j, t);
      g[i * k + j] = s;
      g[j * k + i] = s;
    }
  }
  const ev = symmetricEigenvalues(g, k);
  return Math.sqrt(Math.max(ev[k - 1], 0));
}
