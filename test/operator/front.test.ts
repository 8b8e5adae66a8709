// The bounded status front (operator/front.ts): at most k members spread along the front with
// both ends kept, whatever order the engine gives them in; and the front-label changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundedFront, frontLabelChanges } from '../../operator/front.js';
import { LABEL_FRONT, type TrialObject } from '../../operator/types.js';

const member = (i: number) => ({ trial: `t${String(i).padStart(4, '0')}`, genome: `g${i}`, objectives: { error: i, params: 1000 - i } });

test('boundedFront keeps k members evenly spread, both extremes, independent of the input order', () => {
  const front = Array.from({ length: 1000 }, (_, i) => member(i));
  const shuffled = [...front].sort((a, b) => ((a.objectives.error * 7919) % 1000) - ((b.objectives.error * 7919) % 1000));
  const k = boundedFront(shuffled, ['error', 'params'], 5);
  assert.deepEqual(k.map((m) => m.objectives.error), [0, 250, 500, 749, 999]);
  assert.deepEqual(boundedFront(front, ['error', 'params'], 5), k);
  assert.equal(boundedFront(front.slice(0, 3), ['error', 'params'], 5).length, 3, 'a small front is kept whole');
  assert.equal(boundedFront(front, ['error', 'params']).length, 100);
});

test('frontLabelChanges adds the label to new members and removes it from former ones', () => {
  const t = (name: string, labelled: boolean): TrialObject => ({ metadata: { name, labels: labelled ? { [LABEL_FRONT]: 'true' } : {} }, spec: { experiment: 'e', searchSpace: 'nb201', genome: '', genomeHash: '', generation: 0 } });
  const changes = frontLabelChanges([t('a', true), t('b', false), t('c', true), t('d', false)], new Set(['a', 'b']));
  assert.deepEqual(changes, [{ name: 'b', onFront: true }, { name: 'c', onFront: false }]);
});
