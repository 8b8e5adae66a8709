// The ONNX Runtime inference engine: the lowered model on the CPU provider (intra-op threads
// configurable), or on the CUDA provider where onnxruntime-node was installed with it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Graph } from '../../../search/ir.js';
import type { InferenceEngine, NetworkRunner } from '../backend.js';
import type { Weights } from '../weights.js';
import { INPUT_NAME, lowerToOnnx, outputName, type ExtraOutputs } from './lower.js';

export interface OnnxOptions {
  /** Intra-op threads; 0 = ONNX Runtime's default (all cores). */
  readonly threads?: number;
  /** Try the CUDA provider when the installed binding lists it (default true). */
  readonly cuda?: boolean;
}

let cudaWorks: boolean | undefined;

/** The CUDA provider library ships only with a CUDA install of onnxruntime-node; probing without it just logs noise. */
function cudaInstalled(): boolean {
  try {
    if (!ort.listSupportedBackends().some((b) => b.name === 'cuda')) return false;
    const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
    const bin = join(dist, '..', 'bin', 'napi-v6', process.platform, process.arch);
    return existsSync(join(bin, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/** Starts a one-node session on the CUDA provider: listed is not the same as installed. */
async function cudaProbe(): Promise<boolean> {
  const graph: Graph = { nodes: [{ id: 0, op: { kind: 'input' }, inputs: [], shape: { c: 1, h: 1, w: 1 }, name: 'input' }], inputShape: { c: 1, h: 1, w: 1 }, output: 0, stageOutputs: [] };
  try {
    const s = await ort.InferenceSession.create(lowerToOnnx(graph, new Map(), [0]), { executionProviders: ['cuda'], logSeverityLevel: 4 });
    await s.release();
    return true;
  } catch {
    return false;
  }
}

export class OnnxEngine implements InferenceEngine {
  readonly name = 'onnx' as const;
  private constructor(private provider: 'cpu' | 'cuda', private readonly threads: number) {}

  get backend(): 'cpu' | 'cuda' {
    return this.provider;
  }

  /** Picks CUDA when it is listed and a probe session starts on it, else the CPU provider. */
  static async create(opts: OnnxOptions = {}): Promise<OnnxEngine> {
    const threads = opts.threads ?? 0;
    if ((opts.cuda ?? true) && cudaWorks === undefined) cudaWorks = cudaInstalled() && (await cudaProbe());
    return new OnnxEngine((opts.cuda ?? true) && cudaWorks ? 'cuda' : 'cpu', threads);
  }

  async load(graph: Graph, weights: Weights, outputs: readonly number[]): Promise<NetworkRunner> {
    outputs = [...new Set(outputs)];
    const session = await this.session(lowerToOnnx(graph, weights, outputs));
    const shape = graph.inputShape;
    const order = new Map(outputs.map((id, i) => [id, i]));
    return {
      async run(batch, n, fetch) {
        const input = new ort.Tensor('float32', batch.subarray(0, n * shape.c * shape.h * shape.w), [n, shape.c, shape.h, shape.w]);
        // onnxruntime-node 1.22 labels a partial fetch's results with the first output names,
        // in model order: fetch in model order and take the values by position, checking shapes.
        const ids = [...fetch].sort((a, b) => order.get(a)! - order.get(b)!);
        for (const id of ids) if (!order.has(id)) throw new RangeError(`node ${id} is not an output of this model`);
        const result = await session.run({ [INPUT_NAME]: input }, ids.map(outputName));
        const values = Object.values(result);
        const out = new Map<number, Float32Array>();
        ids.forEach((id, i) => {
          const s = graph.nodes[id].shape;
          const t = values[i];
          if (!t || t.dims.join(',') !== [n, s.c, s.h, s.w].join(',')) throw new Error(`ONNX Runtime returned ${t ? `[${t.dims.join(',')}]` : 'nothing'} for node ${id}, expected [${n},${s.c},${s.h},${s.w}]`);
          out.set(id, t.data as Float32Array);
        });
        return out;
      },
      async dispose() {
        await session.release();
      },
    };
  }

  /**
   * A model computing node outputs and the extra outputs of lower.ts (first image of a node,
   * batch norm variances); each run returns all of them by ONNX output name.
   */
  async loadWithExtras(graph: Graph, weights: Weights, outputs: readonly number[], extra: ExtraOutputs): Promise<ExtrasRunner> {
    const session = await this.session(lowerToOnnx(graph, weights, [...new Set(outputs)], extra));
    const shape = graph.inputShape;
    return {
      async run(batch, n) {
        const input = new ort.Tensor('float32', batch.subarray(0, n * shape.c * shape.h * shape.w), [n, shape.c, shape.h, shape.w]);
        // The whole output list, so names and values match (see run above).
        const result = await session.run({ [INPUT_NAME]: input });
        const out = new Map<string, Float32Array>();
        for (const [name, t] of Object.entries(result)) out.set(name, t.data as Float32Array);
        return out;
      },
      async dispose() {
        await session.release();
      },
    };
  }

  private async session(model: Uint8Array): Promise<ort.InferenceSession> {
    const base: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      ...(this.threads > 0 ? { intraOpNumThreads: this.threads } : {}),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 3,
      // Idle intra-op threads sleep instead of spinning: evaluators share cores (worker pools,
      // pods on one node), where spinning threads steal time from the working ones; measured
      // 1.5-3x faster here under load (bench:throughput).
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    let session: ort.InferenceSession;
    if (this.provider === 'cuda') {
      try {
        session = await ort.InferenceSession.create(model, { ...base, executionProviders: ['cuda'] });
      } catch {
        // Listed but not usable (no driver or libraries): the CPU provider, remembered for later loads.
        cudaWorks = false;
        this.provider = 'cpu';
        session = await ort.InferenceSession.create(model, { ...base, executionProviders: ['cpu'] });
      }
    } else {
      session = await ort.InferenceSession.create(model, { ...base, executionProviders: ['cpu'] });
    }
    return session;
  }
}

export interface ExtrasRunner {
  run(batch: Float32Array, n: number): Promise<Map<string, Float32Array>>;
  dispose(): Promise<void>;
}
