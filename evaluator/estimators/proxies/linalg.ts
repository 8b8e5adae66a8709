// Small dense linear algebra for the proxies (float64): eigenvalues of a symmetric matrix by
// Householder tridiagonalisation and the implicit QL algorithm (as in Numerical Recipes'
// tred2/tqli, eigenvalues only; O(n³) with a small constant, for MeCo's and AZ-NAS's C x C
// matrices), the largest singular value, and the Pearson correlation matrix of a set of rows.

/** Eigenvalues of the symmetric n x n row-major matrix `a` (not modified), ascending. */
export function symmetricEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  if (a.length !== n * n) throw new RangeError(`symmetricEigenvalues: expected ${n * n} entries, got ${a.length}`);
  const m = Float64Array.from(a as ArrayLike<number>);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalise(m, n, d, e);
  tridiagonalQl(d, e, n);
  return d.sort();
}

/** Householder reduction of m (overwritten) to tridiagonal form: diagonal d, sub-diagonal e[1..n-1]. */
function tridiagonalise(m: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(m[i * n + k]);
      if (scale === 0) {
        e[i] = m[i * n + l];
      } else {
        for (let k = 0; k <= l; k++) {
          m[i * n + k] /= scale;
          h += m[i * n + k] * m[i * n + k];
        }
        let f = m[i * n + l];
        const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        m[i * n + l] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          let gj = 0;
          for (let k = 0; k <= j; k++) gj += m[j * n + k] * m[i * n + k];
          for (let k = j + 1; k <= l; k++) gj += m[k * n + j] * m[i * n + k];
          e[j] = gj / h;
          f += e[j] * m[i * n + j];
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          const fj = m[i * n + j];
          const gj = (e[j] -= hh * fj);
          for (let k = 0; k <= j; k++) m[j * n + k] -= fj * e[k] + gj * m[i * n + k];
        }
      }
    } else {
      e[i] = m[i * n + l];
    }
    d[i] = h;
  }
  for (let i = 0; i < n; i++) d[i] = m[i * n + i];
}

/** Implicit QL with Wilkinson shifts on the tridiagonal (d, e); d becomes the eigenvalues. */
function tridiagonalQl(d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m !== l) {
        if (iter++ === 60) throw new Error('symmetricEigenvalues: QL did not converge in 60 iterations');
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = Math.hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = m - 1; i >= l; i--) {
          let f = s * e[i];
          const b = c * e[i];
          e[i + 1] = r = Math.hypot(f, g);
          if (r === 0) {
            d[i + 1] -= p;
            e[m] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          d[i + 1] = g + (p = s * r);
          g = c * r - b;
          f = 0;
        }
        if (r === 0 && i >= l) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
}

/**
 * Pearson correlation matrix (rows x rows) of `rows` variables observed `cols` times
 * (row-major data), as numpy.corrcoef / torch.corrcoef; entries involving a constant row
 * (undefined, NaN there) are 0, as MeCo's reference code sets them.
 */
export function correlationMatrix(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const centred = new Float64Array(rows * cols);
  const norm = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let k = 0; k < cols; k++) mean += data[r * cols + k];
    mean /= cols;
    let ss = 0;
    for (let k = 0; k < cols; k++) {
      const v = data[r * cols + k] - mean;
      centred[r * cols + k] = v;
      ss += v * v;
    }
    norm[r] = Math.sqrt(ss);
  }
  const out = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = i; j < rows; j++) {
      if (norm[i] === 0 || norm[j] === 0) continue;
      let s = 0;
      for (let k = 0; k < cols; k++) s += centred[i * cols + k] * centred[j * cols + k];
      out[i * rows + j] = out[j * rows + i] = s / (norm[i] * norm[j]);
    }
  }
  return out;
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
