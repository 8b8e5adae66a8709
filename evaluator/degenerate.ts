// A degenerate network (e.g. a cell whose every path is `none`, so all images share one code)
// has a valid evaluation: the worst one. An estimator throws DegenerateNetworkError; the
// Evaluator records the trial Succeeded with WORST_ERROR and the reason, so a degenerate cell
// is dominated in error by every other, and never counts as an infrastructure failure.

/** The worst error in percent: every real estimate is below it or equal. */
export const WORST_ERROR = 100;

export class DegenerateNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DegenerateNetworkError';
  }
}
