// Writes one network and its inputs for bench/grad_proxies_reference.py, the independent
// (JAX, float64) reference of the gradient-based proxies: the IR JSON, the weights as drawn
// (ONNX layout, raw float32), the batches, the AZ-NAS sign tensors the TypeScript side
// drew, and its block features. Read back by the reference, which prints its scores as JSON.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GradientProxy, ProxyNetwork } from '../../evaluator/estimators/proxies/gradient-probe.js';
import type { LabelledBatch } from '../../evaluator/estimators/proxies/batch.js';
import { blockFeatures } from '../../evaluator/estimators/proxies/blocks.js';

export interface FixtureSigns {
  /** Sign tensors by block pair (NCHW), as the TypeScript side drew them. */
  readonly byPair: Map<number, Float32Array>;
}

/** Writes `<dir>/<name>.json` and `<dir>/<name>.bin`. */
export function writeFixture(dir: string, name: string, net: ProxyNetwork, batches: readonly LabelledBatch[], signs: FixtureSigns): void {
  const chunks: Float32Array[] = [];
  let at = 0;
  const put = (a: Float32Array): [number, number] => {
    chunks.push(a);
    at += a.length;
    return [at - a.length, a.length];
  };
  const weights: Record<number, Record<string, [number, number]>> = {};
  for (const [id, w] of net.weights) weights[id] = { weight: put(w.weight), ...(w.bias ? { bias: put(w.bias) } : {}) };
  const meta = {
    nodes: net.graph.nodes,
    output: net.graph.output,
    inputShape: net.graph.inputShape,
    weights,
    batches: batches.map((b) => ({ n: b.n, images: put(b.images), labels: Array.from(b.labels) })),
    features: blockFeatures(net.graph, net.layout),
    signs: Object.fromEntries([...signs.byPair].map(([pair, s]) => [pair, put(s)])),
  };
  const all = new Float32Array(at);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(meta));
  writeFileSync(join(dir, `${name}.bin`), all);
}

export const REFERENCE_SCRIPT = new URL('../grad_proxies_reference.py', import.meta.url).pathname;

/** Whether a Python with JAX is there to run the reference ($RWENAS_PYTHON, else python3). */
export function referencePython(): { python: string; ok: boolean; why: string } {
  const python = process.env.RWENAS_PYTHON ?? 'python3';
  const r = spawnSync(python, ['-c', 'import jax, numpy'], { encoding: 'utf8' });
  return { python, ok: r.status === 0, why: r.status === 0 ? '' : `${python} cannot import jax (pip install -r bench/requirements-reference.txt): ${(r.stderr ?? r.error?.message ?? '').trim().split('\n').pop()}` };
}

/** Runs the reference on `<dir>/<name>`; returns its scores. */
export function runReference(python: string, dir: string, name: string, proxies: readonly GradientProxy[]): Record<GradientProxy, number | null> {
  const r = spawnSync(python, [REFERENCE_SCRIPT, join(dir, name), proxies.join(',')], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${REFERENCE_SCRIPT} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}
