// Writes one exported architecture to a folder:
//   model.onnx            ONNX (opset 17), inference form, named input/output, shapes
//   model.py              PyTorch nn.Module (needs only torch) + loader of model.onnx's weights
//   tfjs/model.json       TF.js LayersModel, with tfjs/weights.bin
//   check/                the agreement batch: input.f32, logits-onnx.f32 (model.onnx),
//                         logits-evaluator.f32 (batch-statistics BN), for npm run verify:export
//   export.json           genome, objectives, params/FLOPs, provenance, agreement figures
//   README.md             the same for people: what it is, how it was found, how to load/train it
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countComplexity } from '../../search/complexity.js';
import { genomeHash, hashSeed } from '../../search/hash.js';
import { Rng } from '../../search/random.js';
import type { NetworkOptions, SearchSpace } from '../../search/space.js';
import { initWeights } from '../backends/weights.js';
import { agreement, type Agreement, type Batch, type Difference } from './agreement.js';
import { moduleLayout } from './modules.js';
import { deadParameters, EXPORT_OPSET, exportOnnx } from './onnx.js';
import { pytorchModule } from './pytorch.js';
import { exportReadme } from './readme.js';
import { loadTfjs, saveTfjs, tfjsModel, trainableParams } from './tfjs.js';

/** Where an exported architecture came from. */
export interface Provenance {
  /** `genome` (given on the command line), `run` (a local run's directory) or `experiment` (a cluster's NASExperiment). */
  readonly source: 'genome' | 'run' | 'experiment';
  readonly experiment?: string;
  readonly namespace?: string;
  readonly runDir?: string;
  readonly method?: string;
  readonly seed: number;
  readonly generation?: number;
  /** Why this trial: on the front, the knee, or asked for by id. */
  readonly selection?: 'front' | 'knee' | 'trial';
}

export interface ExportTarget {
  readonly space: SearchSpace;
  /** Canonical genome string. */
  readonly genome: string;
  readonly final: NetworkOptions;
  /** Objectives the search measured, where known. */
  readonly objectives?: Readonly<Record<string, number>>;
  readonly provenance: Provenance;
}

export interface ExportSummary {
  readonly trial: string;
  readonly space: string;
  readonly genome: string;
  readonly final: Required<NetworkOptions>;
  readonly params: number;
  readonly flops: number;
  readonly objectives: Readonly<Record<string, number>> | null;
  readonly provenance: Provenance;
  readonly onnx: { readonly file: 'model.onnx'; readonly opset: number; readonly input: string; readonly output: string };
  /** Parameters of layers whose output never reaches the logits (in params, model.py and model.onnx; not in TF.js). */
  readonly deadParams: number;
  readonly tfjs: { readonly file: 'tfjs/model.json'; readonly trainableParams: number };
  readonly pytorch: { readonly file: 'model.py'; readonly class: 'Network' };
  readonly agreement: Agreement;
}

/**
 * Largest |difference| allowed, relative to the largest logit (or 1). Measured: 1e-5 on
 * NB201, MobileNetV3 and 8-cell DARTS; float32 rounding grows with depth through the batch
 * norms to ~1e-3 on the 20-cell DARTS network. A wrong op gives differences of order 1.
 */
export const AGREEMENT_TOLERANCE = 5e-3;

/** A seeded batch of standard-normal images (the export needs no data set). */
export function noiseBatch(shape: { c: number; h: number; w: number }, n: number, seed: number): Batch {
  const rng = Rng.seeded(seed, 0xe1907);
  const images = new Float32Array(n * shape.c * shape.h * shape.w);
  for (let i = 0; i < images.length; i++) images[i] = rng.normal();
  return { images, n, description: `${n} standard-normal images (seed ${seed})` };
}

/** Writes every format into `dir` and checks their agreement; throws if they disagree. */
export async function writeExport(dir: string, target: ExportTarget, batch?: Batch): Promise<ExportSummary> {
  const { space, genome } = target;
  const trial = genomeHash(space.name, genome);
  const final = { ...space.defaults.final, ...stripUndefined(target.final) };
  const graph = space.build(space.parse(genome), 'final', final);
  const weights = initWeights(graph, target.provenance.seed, trial);
  const layout = moduleLayout(graph);
  const { params, flops } = countComplexity(graph);
  const dead = deadParameters(graph);
  const check = batch ?? noiseBatch(graph.inputShape, 8, hashSeed(trial));
  mkdirSync(join(dir, 'tfjs'), { recursive: true });
  mkdirSync(join(dir, 'check'), { recursive: true });

  const onnx = exportOnnx(graph, weights, layout, { space: space.name, genome, trial, seed: String(target.provenance.seed), params: String(params), flops: String(flops) });
  writeFileSync(join(dir, 'model.onnx'), onnx);
  const title = `${space.name} network ${genome}, exported by rwenas (trial ${trial}).`;
  writeFileSync(join(dir, 'model.py'), pytorchModule(graph, layout, { title, genome, space: space.name, params, lines: provenanceLines(target, trial, params) }));
  const model = tfjsModel(graph, weights, layout);
  const saved = await saveTfjs(model);
  model.dispose();
  writeFileSync(join(dir, 'tfjs', 'model.json'), saved.modelJson);
  writeFileSync(join(dir, 'tfjs', 'weights.bin'), saved.weights);

  const reloaded = await loadTfjs(saved.modelJson, saved.weights);
  const trainable = trainableParams(reloaded);
  const { evaluatorLogits, onnxLogits, ...agreed } = await agreement(graph, weights, layout, onnx, reloaded, check);
  reloaded.dispose();
  writeFileSync(join(dir, 'check', 'input.f32'), bytes(check.images));
  writeFileSync(join(dir, 'check', 'logits-onnx.f32'), bytes(onnxLogits));
  writeFileSync(join(dir, 'check', 'logits-evaluator.f32'), bytes(evaluatorLogits));

  const summary: ExportSummary = {
    trial,
    space: space.name,
    genome,
    final,
    params,
    flops,
    deadParams: dead,
    objectives: target.objectives ?? null,
    provenance: target.provenance,
    onnx: { file: 'model.onnx', opset: EXPORT_OPSET, input: 'input', output: 'logits' },
    tfjs: { file: 'tfjs/model.json', trainableParams: trainable },
    pytorch: { file: 'model.py', class: 'Network' },
    agreement: agreed,
  };
  writeFileSync(join(dir, 'export.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(dir, 'README.md'), exportReadme(summary, graph.inputShape));
  const problems = [
    ...disagreement('ONNX vs the evaluator', agreed.onnxVsEvaluator),
    ...disagreement('TF.js vs ONNX', agreed.tfjsVsOnnx),
    ...disagreement('TF.js vs ONNX as written', agreed.tfjsVsOnnxInitial),
    ...(trainable === params - dead ? [] : [`TF.js has ${trainable} trainable parameters, rwenas counts ${params} of which ${dead} in dead layers`]),
  ];
  if (problems.length > 0) throw new Error(`${dir}: the exported formats disagree: ${problems.join('; ')}`);
  return summary;
}

function disagreement(what: string, d: Difference): string[] {
  return d.maxAbsDiff <= AGREEMENT_TOLERANCE * Math.max(1, d.maxAbs) ? [] : [`${what}: max |difference| ${d.maxAbsDiff} (largest logit ${d.maxAbs})`];
}

function provenanceLines(t: ExportTarget, trial: string, params: number): string[] {
  const p = t.provenance;
  const found = p.source === 'genome' ? 'Given as a genome on the command line.' : p.source === 'run' ? `Found by the local run in ${p.runDir} (${p.method ?? 'unknown'} estimator).` : `Found by the NASExperiment ${p.namespace}/${p.experiment} (${p.method ?? 'unknown'} estimator).`;
  const objectives = t.objectives ? Object.entries(t.objectives).map(([k, v]) => `${k} ${v}`).join(', ') : 'not measured';
  return [found, `Objectives: ${objectives}.`, `Trial ${trial}; initial weights He-normal, seeded from seed ${p.seed} and the trial; ${params} parameters.`];
}

function bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
