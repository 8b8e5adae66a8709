// Inference engine selection. `auto` prefers ONNX Runtime (the faster CPU engine, with CUDA where
// installed) and falls back to TensorFlow.js when the native binding cannot load. Engines are
// imported lazily so a machine without one still runs the other.
import type { InferenceEngine, EngineName } from './backend.js';

export interface EngineOptions {
  /** Intra-op threads (ONNX Runtime); 0 = library default. */
  readonly threads?: number;
}

export async function createEngine(name: EngineName | 'auto', opts: EngineOptions = {}): Promise<InferenceEngine> {
  if (name === 'onnx' || name === 'auto') {
    try {
      const { OnnxEngine } = await import('./onnx/backend.js');
      return await OnnxEngine.create({ threads: opts.threads });
    } catch (err) {
      if (name === 'onnx') throw new Error(`engine onnx: onnxruntime-node could not load: ${(err as Error).message}`);
    }
  }
  if (name === 'tfjs' || name === 'auto') {
    const { TfjsEngine } = await import('./tfjs/backend.js');
    return TfjsEngine.create();
  }
  throw new RangeError(`spec.evaluation.engine: expected auto, onnx or tfjs, got ${JSON.stringify(name)}`);
}
