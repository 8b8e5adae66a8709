// A batch of real images for the gradient-based proxies: NCHW float32, normalised, with labels.
export interface LabelledBatch {
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly n: number;
}
