import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchResult, encodeBatchResult, parseBatchRequest, type BatchTrialResult } from '../../evaluator/protocol.js';

// Worst case for 16 trials: 63-character names, large counts, long error values, long reasons.
function worstBatch(): BatchTrialResult[] {
  return Array.from({ length: 16 }, (_, i) => {
    const name = `experiment-with-a-long-name-${i.toString().padStart(2, '0')}-0123456789abcdef0123456789abcdef`.slice(0, 63);
    return i % 2 === 0
      ? { name, status: 'Succeeded' as const, objectives: { error: 12.345678912345, params: 123456789012, flops: 987654321098765 }, durationMs: 123456.789 }
      : { name, status: 'Failed' as const, objectives: { params: 123456789012, flops: 987654321098765 }, durationMs: 99999.5, reason: `ONNX Runtime: ${'out of memory allocating a tensor; '.repeat(30)}` };
  });
}

test('16 worst-case trials fit the 4,096-byte termination message and decode back', () => {
  const trials = worstBatch();
  assert.equal(trials[0].name.length, 63);
  const text = encodeBatchResult({ engine: 'onnx/cuda', trials });
  assert.ok(Buffer.byteLength(text) <= 4096, `${Buffer.byteLength(text)} bytes`);
  const back = decodeBatchResult(text);
  assert.equal(back.engine, 'onnx/cuda');
  assert.deepEqual(back.trials.map((t) => t.name), trials.map((t) => t.name));
  assert.deepEqual(back.trials[0].objectives, { error: 12.3457, params: 123456789012, flops: 987654321098765 });
  assert.equal(back.trials[0].durationMs, 123457);
  assert.equal(back.trials[1].status, 'Failed');
  assert.match(back.trials[1].reason!, /^ONNX Runtime: out of memory.*…$/);
});

test('short batches keep full reasons; impossible budgets are an error', () => {
  const text = encodeBatchResult({ trials: [{ name: 'a', status: 'Failed', objectives: {}, reason: 'x'.repeat(500) }] });
  assert.equal(decodeBatchResult(text).trials[0].reason, 'x'.repeat(500));
  assert.throws(() => encodeBatchResult({ trials: worstBatch() }, 200), /needs \d+ bytes even with reasons shortened/);
});

test('decode and batch parsing name what is wrong', () => {
  assert.throws(() => decodeBatchResult('oops'), /not JSON/);
  assert.throws(() => decodeBatchResult('{"trials":[{"name":"a","status":"Done","objectives":{}}]}'), /trials\[0\]\.status/);
  assert.deepEqual(parseBatchRequest('{"trials":[{"name":"t1","genome":"g"}]}', 'RWENAS_BATCH').trials, [{ name: 't1', genome: 'g' }]);
  assert.throws(() => parseBatchRequest('{"trials":[{"name":"t1"}]}', 'RWENAS_BATCH'), /RWENAS_BATCH: trials\[0\]: expected/);
  assert.throws(() => parseBatchRequest('{"trials":[]}', 'batch.json'), /batch\.json: expected .* at least one trial/);
});
