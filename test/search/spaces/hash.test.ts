import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genomeHash } from '../../../search/hash.js';
import { spaceByName } from '../../../search/spaces/index.js';

test('genome hashes are stable across machines and runs (golden values)', () => {
  // Computed once from the canonical strings; a change here renames every stored trial.
  assert.equal(genomeHash('nb201', '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'), 'ad3305ebb3de3781');
  assert.equal(
    genomeHash('darts', 'normal:sep3~0,sep3~1;sep3~0,sep3~1;skip~0,sep3~1;skip~0,dil3~2/reduce:max3~0,max3~1;max3~1,skip~2;max3~0,skip~2;max3~1,skip~2'),
    '936be5343379a023',
  );
  assert.equal(genomeHash('mobilenetv3', 'k3e4,k5e6/k3e3,k3e3,k7e6/k5e4,k5e4/k7e6,k7e6,k7e6,k7e6/k3e3,k3e3'), '7120dbbde224108c');
});

test('every space hashes the canonical form, whatever notation was parsed', () => {
  const darts = spaceByName('darts');
  const a = darts.serialize(darts.parse('normal:sep3~1,sep3~0;sep3~0,sep3~1;sep3~1,skip~0;skip~0,dil3~2/reduce:max3~0,max3~1;max3~1,skip~2;max3~0,skip~2;max3~1,skip~2'));
  assert.equal(genomeHash('darts', a), '936be5343379a023');
});
