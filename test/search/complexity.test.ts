import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nb201 } from '../../search/spaces/nb201.js';
import { countComplexity } from '../../search/complexity.js';
import { GraphBuilder } from '../../search/spaces/builder.js';
import { readShared } from './spaces/shared-data.js';

test('hand-counted small graph', () => {
  const b = new GraphBuilder({ c: 3, h: 8, w: 8 });
  const c = b.conv(0, 'c', { out: 4, kernel: 3, padding: 1, bias: true }); // 3*4*9+4 = 112 params, 112*64 MACs
  const n = b.bn(c, 'c'); // 8 params, 2*256 FLOPs
  const r = b.act(n, 'relu', 'c'); // 256
  const p = b.add({ kind: 'maxpool', kernel: 2, stride: 2, padding: 0, countIncludePad: false }, [r], 'p'); // 4*4*4*4 = 256
  const dw = b.conv(p, 'dw', { out: 4, kernel: 3, padding: 1, groups: 4 }); // 36 params, 36*16 MACs
  const g = b.finish(b.classifier(dw, 5), [dw]); // gap 64; linear 4*5+5 = 25
  assert.deepEqual(countComplexity(g), {
    params: 112 + 8 + 36 + 25,
    flops: 112 * 64 + 512 + 256 + 256 + 36 * 16 + 64 + 25,
  });
});

test('nb201 final network matches every row of the NAS-Bench-201 complexity reference', (t) => {
  const data = readShared('nasbench201/nb201-complexity.csv');
  if ('skip' in data) return t.skip(data.skip);
  const [header, ...rows] = data.text.trim().split('\n');
  assert.equal(header, 'arch,flops_m,params_m');
  assert.equal(rows.length, 724);
  let worstFlops = 0;
  let worstParams = 0;
  for (const row of rows) {
    const [arch, flopsM, paramsM] = row.split(',');
    const { params, flops } = countComplexity(nb201.build(nb201.parse(arch), 'final'));
    const ef = Math.abs(flops / 1e6 - Number(flopsM)) / Number(flopsM);
    const ep = Math.abs(params / 1e6 - Number(paramsM)) / Number(paramsM);
    assert.ok(ef < 0.005 && ep < 0.005, `${arch}: flops ${flops} vs ${flopsM}M, params ${params} vs ${paramsM}M`);
    worstFlops = Math.max(worstFlops, ef);
    worstParams = Math.max(worstParams, ep);
  }
  t.diagnostic(`max relative error over ${rows.length} cells: flops ${worstFlops.toExponential(2)}, params ${worstParams.toExponential(2)}`);
});
