// A convolution tfjs can differentiate on every backend. Its value is the executor's own
// convolution; its gradients are written here from the kernel's taps, because tfjs's WASM
// backend has no Conv2DBackpropFilter nor depthwise backprop kernels (and no gradient for
// the strided slice the executor uses for dilated strided convolutions).
import * as tf from '@tensorflow/tfjs';

export interface ConvGeometry {
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  /** Depthwise (filter [k, k, C, m]) rather than dense (filter [k, k, Cin, Cout]). */
  readonly depthwise: boolean;
}

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

/** The padded input's pixels that tap (kh, kw) of the kernel meets, one per output pixel. */
function tap(xp: tf.Tensor4D, kh: number, kw: number, g: ConvGeometry, ho: number, wo: number): tf.Tensor4D {
  const [n, , , c] = xp.shape;
  const top = kh * g.dilation;
  const left = kw * g.dilation;
  const end = [n, top + (ho - 1) * g.stride + 1, left + (wo - 1) * g.stride + 1, c];
  return tf.stridedSlice(xp, [0, top, left, 0], end, [1, g.stride, g.stride, 1]) as tf.Tensor4D;
}

/** dy with s-1 zeros after each value along H and W (trailing zeros cut): the stride undone. */
function zeroInsert(dy: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return dy;
  const [n, ho, wo, c] = dy.shape;
  const holes = tf.pad(tf.reshape(dy, [n, ho, 1, wo, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]);
  return tf.slice(tf.reshape(holes, [n, ho * s, wo * s, c]) as tf.Tensor4D, [0, 0, 0, 0], [n, (ho - 1) * s + 1, (wo - 1) * s + 1, c]);
}

/**
 * d(loss)/d(padded input): the full correlation of the zero-inserted dy with the kernel
 * turned by 180°, at the forward's dilation and stride 1 (one tfjs convolution).
 */
function inputGradient(dy: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry, hp: number, wp: number): tf.Tensor4D {
  const up = zeroInsert(dy, g.stride);
  const reach = (g.kernel - 1) * g.dilation;
  const pads: Pad4 = [[0, 0], [reach, hp - up.shape[1]], [reach, wp - up.shape[2]], [0, 0]];
  const padded = tf.pad(up, pads);
  const turned = tf.reverse(w, [0, 1]);
  if (!g.depthwise) return tf.conv2d(padded, tf.transpose(turned, [0, 1, 3, 2]) as tf.Tensor4D, 1, 'valid', 'NHWC', g.dilation);
  // Depthwise with multiplier m: each of the C·m output channels back onto its input channel.
  const [k, , c, m] = w.shape;
  const perChannel = tf.depthwiseConv2d(padded, tf.reshape(turned, [k, k, c * m, 1]) as tf.Tensor4D, 1, 'valid', 'NHWC', g.dilation);
  if (m === 1) return perChannel;
  const [n, h, wd] = perChannel.shape;
  return tf.sum(tf.reshape(perChannel, [n, h, wd, c, m]), 4) as tf.Tensor4D;
}

/** d(loss)/d(filter), dense: x and dy swap roles in one convolution (stride and dilation swap too). */
function denseFilterGradient(xp: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const k = g.kernel;
  const [cin, cout] = [xp.shape[3], dy.shape[3]];
  const out = tf.conv2d(tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D, tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, g.dilation, 'valid', 'NHWC', g.stride);
  return tf.transpose(tf.slice(out, [0, 0, 0, 0], [cin, k, k, cout]), [1, 2, 0, 3]) as tf.Tensor4D;
}

/** d(loss)/d(filter) tap by tap (depthwise, and dense with both stride and dilation > 1, which tfjs convolutions refuse). */
function tapFilterGradient(xp: tf.Tensor4D, dy: tf.Tensor4D, w: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const [n, ho, wo, cout] = dy.shape;
  const cin = xp.shape[3];
  const taps: tf.Tensor[] = [];
  for (let kh = 0; kh < g.kernel; kh++) {
    for (let kw = 0; kw < g.kernel; kw++) {
      const t = tap(xp, kh, kw, g, ho, wo);
      taps.push(g.depthwise
        ? tf.sum(tf.mul(tf.reshape(t, [n, ho, wo, cin, 1]), tf.reshape(dy, [n, ho, wo, cin, cout / cin])), [0, 1, 2])
        : tf.matMul(tf.transpose(tf.reshape(t, [n * ho * wo, cin])), tf.reshape(dy, [n * ho * wo, cout])));
    }
  }
  return tf.reshape(tf.stack(taps), w.shape) as tf.Tensor4D;
}

/** d(loss)/d(input) and d(loss)/d(filter) of y = conv(x, w), from dy. */
function convGradients(x: tf.Tensor4D, w: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): [tf.Tensor4D, tf.Tensor4D] {
  const [n, h, wd, cin] = x.shape;
  const p = g.padding;
  const xp = p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) : x;
  const dxp = inputGradient(dy, w, g, h + 2 * p, wd + 2 * p);
  const dx = p > 0 ? tf.slice(dxp, [0, p, p, 0], [n, h, wd, cin]) : dxp;
  const dense = !g.depthwise && (g.stride === 1 || g.dilation === 1);
  return [dx, dense ? denseFilterGradient(xp, dy, g) : tapFilterGradient(xp, dy, w, g)];
}

/**
 * y = conv(x, w) with `value` computing y (the executor's op) and gradients from
 * `convGradients`; both inputs (x NHWC, w in tfjs layout) get gradients.
 */
export function differentiableConv(g: ConvGeometry, value: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D): (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D {
  const op = tf.customGrad((...args: unknown[]) => {
    const [x, w, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([x, w]);
    return {
      value: value(x, w),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [dx, dw] = convGradients(saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, dy as tf.Tensor4D, g);
        return [dx, dw];
      },
    };
  });
  return (x, w) => op(x, w) as tf.Tensor4D;
}
