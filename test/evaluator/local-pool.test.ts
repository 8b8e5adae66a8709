// The pool shares the cores among its workers (intra-op threads per worker) unless the spec or
// the caller fixes the thread count. The pool's results themselves are compared across worker
// counts in test/cli/run.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDefaults } from '../../search/experiment/validate.js';
import type { ExperimentSpec } from '../../search/experiment/spec.js';
import { threadsPerWorker } from '../../evaluator/local/local-pool.js';

const spec = (threads?: number) =>
  applyDefaults({ searchSpace: { name: 'nb201' }, evaluation: threads === undefined ? {} : { threads } }) as ExperimentSpec;

test('threads per worker: the cores shared out, at least 1; the spec or an explicit option wins', () => {
  assert.equal(threadsPerWorker(spec(), 1, {}, 16), 16);
  assert.equal(threadsPerWorker(spec(), 4, {}, 16), 4);
  assert.equal(threadsPerWorker(spec(), 3, {}, 16), 5);
  assert.equal(threadsPerWorker(spec(), 2, {}, 2), 1);
  assert.equal(threadsPerWorker(spec(), 4, {}, 2), 1);
  // spec.evaluation.threads > 0 is passed through by the Evaluator itself.
  assert.equal(threadsPerWorker(spec(3), 4, {}, 16), undefined);
  assert.equal(threadsPerWorker(spec(0), 4, {}, 16), 4);
  assert.equal(threadsPerWorker(spec(), 4, { threads: 7 }, 16), 7);
});
