// `npm run bench:throughput`: how fast the engines run the proxy networks of the three
// spaces, against PyTorch and TensorFlow on the same networks and threads, and against the
// machine's ceiling (a large float32 matrix product); then the peak memory of
// `rwenas evaluate` over all 50,000 training images. Figures are printed, never asserted.
//   npm run bench:throughput [-- --batch 128 --batches 4 --threads N --no-peers --no-rss]
// GFLOP/s = 2 x proxy multiply-accumulates per image x images / seconds of forward passes,
// from the fastest of the timed batches (this machine is shared; see docs/evaluator.md).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { channelStats, gather, loadTrainSplit, normalisedBatch } from '../evaluator/data/cifar10.js';
import type { InferenceEngine } from '../evaluator/backends/backend.js';
import { OnnxEngine } from '../evaluator/backends/onnx/backend.js';
import { TfjsEngine } from '../evaluator/backends/tfjs/backend.js';
import { initWeights, type Weights } from '../evaluator/backends/weights.js';
import { countComplexity } from '../search/complexity.js';
import { genomeHash } from '../search/hash.js';
import type { Graph } from '../search/ir.js';
import { Rng } from '../search/random.js';
import { spaceByName } from '../search/spaces/index.js';

const root = new URL('..', import.meta.url).pathname;
const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '128' },
    batches: { type: 'string', default: '4' },
    threads: { type: 'string', default: String(availableParallelism()) },
    'no-peers': { type: 'boolean', default: false },
    'no-rss': { type: 'boolean', default: false },
  },
});
const BATCH = Number(args.batch);
const BATCHES = Number(args.batches);
const THREADS = Number(args.threads);

function cifarDir(): string {
  if (process.env.RWENAS_CIFAR10) return process.env.RWENAS_CIFAR10;
  const run = spawnSync('/usr/bin/python3', [join(root, '..', 'shared', 'data', 'cifar10', 'materialize')], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`set RWENAS_CIFAR10 (materialize failed: ${run.stderr.trim()})`);
  return run.stdout.trim().split('\n').pop()!;
}

interface Net {
  name: string;
  canonical: string;
  graph: Graph;
  weights: Weights;
  macs: number;
}

/** A seeded sample of each space, plus the all-3x3-convolution NB201 cell (the convolution-heavy case). */
function nets(): Net[] {
  const picks: [string, string, string | undefined][] = [
    ['nb201', 'nb201', undefined],
    ['nb201-conv', 'nb201', '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'],
    ['darts', 'darts', undefined],
    ['mobilenetv3', 'mobilenetv3', undefined],
  ];
  return picks.map(([name, spaceName, text]) => {
    const space = spaceByName(spaceName);
    const genome = text ? space.parse(text) : space.sample(Rng.seeded(2024));
    const canonical = space.serialize(genome);
    const graph = space.build(genome, 'proxy');
    return { name, canonical, graph, weights: initWeights(graph, 1, genomeHash(space.name, canonical)), macs: countComplexity(graph).flops };
  });
}

async function timeEngine(engine: InferenceEngine, net: Net, batch: Float32Array, batches: number): Promise<{ seconds: number; last: Float32Array }> {
  const outputs = net.graph.stageOutputs;
  const runner = await engine.load(net.graph, net.weights, outputs);
  const first = await runner.run(batch, BATCH, outputs); // warm-up
  // The best batch of several: on a shared machine the others are slowed by whoever else
  // runs, and the best one is the closest to what this engine can do.
  let best = Infinity;
  for (let i = 0; i < batches; i++) {
    const t = performance.now();
    await runner.run(batch, BATCH, outputs);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  await runner.dispose();
  return { seconds: best, last: first.get(outputs[outputs.length - 1])! };
}

/** IR JSON (+ weight offsets) and raw float32 weights, for the Python peers. */
function writeNet(dir: string, net: Net, onnxOut: Float32Array): void {
  const offsets: Record<number, Record<string, [number, number]>> = {};
  const chunks: Float32Array[] = [];
  let at = 0;
  for (const [id, w] of net.weights) {
    offsets[id] = { weight: [at, w.weight.length] };
    chunks.push(w.weight);
    at += w.weight.length;
    if (w.bias) {
      offsets[id].bias = [at, w.bias.length];
      chunks.push(w.bias);
      at += w.bias.length;
    }
  }
  const all = new Float32Array(at);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  writeFileSync(join(dir, `net-${net.name}.json`), JSON.stringify({ nodes: net.graph.nodes, outputs: net.graph.stageOutputs, weights: offsets }));
  writeFileSync(join(dir, `net-${net.name}.bin`), all);
  writeFileSync(join(dir, `onnx-${net.name}.bin`), onnxOut);
}

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

async function main(): Promise<void> {
  const dir = cifarDir();
  console.log(`# bench:throughput  batch ${BATCH}, ${BATCHES} timed batches (tfjs: 2), best batch counted, ${THREADS} threads, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const train = loadTrainSplit(dir);
  const set = gather(train, Array.from({ length: BATCH }, (_, i) => i));
  const batch = normalisedBatch(set, 0, BATCH, channelStats(set));
  const onnx = await OnnxEngine.create({ threads: THREADS });
  const tfjs = await TfjsEngine.create();
  const work = mkdtempSync(join(tmpdir(), 'rwenas-bench-'));
  const rows: { engine: string; net: string; macs: number; images: number; seconds: number; note?: string }[] = [];
  try {
    const list = nets();
    for (const net of list) {
      console.log(`# ${net.name} proxy: ${net.canonical}  (${(net.macs / 1e6).toFixed(1)} M MACs/image, ${net.graph.nodes.length} nodes)`);
      const o = await timeEngine(onnx, net, batch, BATCHES);
      rows.push({ engine: `onnx/${onnx.backend}`, net: net.name, macs: net.macs, images: BATCH, seconds: o.seconds });
      writeNet(work, net, o.last);
      const t = await timeEngine(tfjs, net, batch, 2);
      rows.push({ engine: `tfjs/${tfjs.backend} (1 thread)`, net: net.name, macs: net.macs, images: BATCH, seconds: t.seconds });
    }
    writeFileSync(join(work, 'input.bin'), batch);
    writeFileSync(join(work, 'meta.json'), JSON.stringify({ batch: BATCH, nets: list.map((n) => ({ name: n.name, batches: BATCHES })) }));
    let ceiling = NaN;
    if (!args['no-peers']) {
      // Passive OpenMP threads in PyTorch, as ONNX Runtime's threads here do not spin either.
      const py = spawnSync('python3', [join(root, 'bench', 'throughput_peers.py'), work, String(THREADS)], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', OMP_WAIT_POLICY: 'PASSIVE' } });
      if (py.status !== 0) console.log(`# peers failed (pip install torch tensorflow-cpu): ${py.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      for (const line of py.stdout.trim().split('\n').filter((l) => l.startsWith('{'))) {
        const r = JSON.parse(line);
        if (r.peer === 'ceiling') {
          ceiling = r.gflops;
          console.log(`# ceiling: ${r.what}: ${fmt(ceiling)} GFLOP/s on ${THREADS} threads`);
        } else {
          const net = list.find((n) => n.name === r.net)!;
          rows.push({ engine: r.peer, net: r.net, macs: net.macs, images: r.images, seconds: r.seconds, note: `output vs ONNX: rel. diff ${r.relDiffVsOnnx.toExponential(1)}` });
        }
      }
    }
    console.log('\n| engine | network | M MACs/img | images/s | GFLOP/s | % ceiling | vs PyTorch | |');
    console.log('|---|---|---:|---:|---:|---:|---:|---|');
    for (const r of rows) {
      const gflops = (2 * r.macs * r.images) / r.seconds / 1e9;
      const torch = rows.find((q) => q.engine === 'pytorch' && q.net === r.net);
      const vsTorch = torch ? (r.images / r.seconds) / (torch.images / torch.seconds) : NaN;
      console.log(`| ${r.engine} | ${r.net} | ${fmt(r.macs / 1e6)} | ${fmt(r.images / r.seconds, 0)} | ${fmt(gflops)} | ${fmt((100 * gflops) / ceiling, 0)} | ${fmt(vsTorch, 2)} | ${r.note ?? ''} |`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (!args['no-rss']) rss(dir);
}

/** Peak RSS of `rwenas evaluate` (rwe) over all 50,000 training images: 49,000 train + 1,000 validation. */
function rss(dir: string): void {
  const cli = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(cli)) {
    console.log('# RSS: build first (npm run build)');
    return;
  }
  // The cheapest NB201 cell: the pass over 50,000 images then takes tens of seconds, and the
  // memory is dominated by what scales with the data (images, features), not by the network.
  const genome = '|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|';
  const spec = {
    apiVersion: 'rwenas.dev/v1alpha1', kind: 'NASExperiment', metadata: { name: 'rss' },
    spec: { searchSpace: { name: 'nb201' }, evaluation: { method: 'rwe', engine: 'onnx', threads: THREADS, dataset: { path: dir }, rwe: { trainSamples: 49000, validationSamples: 1000, batchSize: 250, classifierEpochs: 5 } } },
  };
  const wrapper = `process.on('exit', () => process.stderr.write('MAXRSS_KB ' + process.resourceUsage().maxRSS + '\\n')); await import(${JSON.stringify(cli)});`;
  const t = performance.now();
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', wrapper, 'rwenas', 'evaluate', '--spec-json', JSON.stringify(spec), '--genome', genome], { encoding: 'utf8' });
  const seconds = (performance.now() - t) / 1000;
  const kb = Number(/MAXRSS_KB (\d+)/.exec(run.stderr)?.[1]);
  const report = run.stdout.trim() ? JSON.parse(run.stdout.trim().split('\n')[0]) : undefined;
  console.log(`\n# rwenas evaluate, rwe over 50,000 training images (49,000 train + 1,000 validation): peak RSS ${fmt(kb / 1024 / 1024, 2)} GiB (limit 1.5), ${fmt(seconds)} s, status ${report?.status ?? run.stderr.trim()}, stats ${JSON.stringify(report?.stats ?? {})}`);
}

await main();
