#!/usr/bin/env python3
"""Peers for `npm run bench:throughput`: the same proxy networks (IR JSON + weights written by
bench/throughput.ts) in PyTorch (CPU) and TensorFlow, with the same thread count, and the
machine's ceiling (a large float32 matrix product). Prints one JSON object per line.

Usage: throughput_peers.py DIR THREADS   (DIR holds net-*.json, net-*.bin, input.bin, onnx-*.bin)
Each network is also checked against ONNX Runtime's output on the first batch (relative
difference), so a peer measures the same computation."""
import json, os, sys, time

import numpy as np

EPS = 1e-5


def load(dir_, name):
    ir = json.load(open(os.path.join(dir_, f"net-{name}.json")))
    raw = np.fromfile(os.path.join(dir_, f"net-{name}.bin"), dtype=np.float32)
    weights = {int(k): {f: raw[o:o + n] for f, (o, n) in v.items()} for k, v in ir["weights"].items()}
    return ir, weights


def rel(a, b):
    return float(np.linalg.norm(a.ravel() - b.ravel()) / max(np.linalg.norm(b.ravel()), 1e-30))


def torch_forward_fn(ir, weights, torch):
    F = torch.nn.functional
    nodes = ir["nodes"]
    w = {}
    for n in nodes:
        op = n["op"]
        if op["kind"] == "conv":
            inc = nodes[n["inputs"][0]]["shape"]["c"]
            wt = weights[n["id"]]
            w[n["id"]] = (torch.from_numpy(wt["weight"].reshape(op["outChannels"], inc // op["groups"], op["kernel"], op["kernel"]).copy()),
                          torch.from_numpy(wt["bias"].copy()) if "bias" in wt else None)
        elif op["kind"] == "linear":
            s = nodes[n["inputs"][0]]["shape"]
            wt = weights[n["id"]]
            w[n["id"]] = (torch.from_numpy(wt["weight"].reshape(op["outFeatures"], s["c"] * s["h"] * s["w"]).copy()),
                          torch.from_numpy(wt["bias"].copy()) if "bias" in wt else None)
    outs = ir["outputs"]

    def forward(x):
        v = [x]
        for n in nodes[1:]:
            op, ins = n["op"], [v[i] for i in n["inputs"]]
            k, a = op["kind"], ins[0] if ins else None
            if k == "conv":
                y = F.conv2d(a, w[n["id"]][0], w[n["id"]][1], op["stride"], op["padding"], op["dilation"], op["groups"])
            elif k == "batchnorm":
                y = F.batch_norm(a, None, None, training=True, eps=EPS)
            elif k == "act":
                y = {"relu": F.relu, "hswish": F.hardswish, "hsigmoid": F.hardsigmoid, "sigmoid": torch.sigmoid}[op["fn"]](a)
            elif k == "avgpool":
                y = F.avg_pool2d(a, op["kernel"], op["stride"], op["padding"], count_include_pad=op["countIncludePad"])
            elif k == "maxpool":
                y = F.max_pool2d(a, op["kernel"], op["stride"], op["padding"])
            elif k == "crop":
                y = a[:, :, op["top"]:, op["left"]:]
            elif k == "add":
                y = ins[0]
                for b in ins[1:]:
                    y = y + b
            elif k == "mul":
                y = a * ins[1]
            elif k == "zero":
                y = a * 0
            elif k == "concat":
                y = torch.cat(ins, 1)
            elif k == "globalavgpool":
                y = a.mean((2, 3), keepdim=True)
            elif k == "linear":
                y = F.linear(a.flatten(1), *w[n["id"]]).reshape(a.shape[0], -1, 1, 1)
            else:
                raise ValueError(k)
            v.append(y)
        return [v[o] for o in outs]
    return forward


def tf_forward_fn(ir, weights, tf):
    nodes = ir["nodes"]
    w = {}
    for n in nodes:
        op = n["op"]
        if op["kind"] == "conv":
            inc = nodes[n["inputs"][0]]["shape"]["c"]
            wt = weights[n["id"]]["weight"].reshape(op["outChannels"], inc // op["groups"], op["kernel"], op["kernel"])
            if op["groups"] == 1:
                f = wt.transpose(2, 3, 1, 0)
            else:
                f = wt.reshape(inc, op["outChannels"] // inc, op["kernel"], op["kernel"]).transpose(2, 3, 0, 1)
            w[n["id"]] = (tf.constant(np.ascontiguousarray(f)), tf.constant(weights[n["id"]]["bias"]) if "bias" in weights[n["id"]] else None)
        elif op["kind"] == "linear":
            s = nodes[n["inputs"][0]]["shape"]
            wt = weights[n["id"]]
            w[n["id"]] = (tf.constant(wt["weight"].reshape(op["outFeatures"], s["c"] * s["h"] * s["w"])), tf.constant(wt["bias"]) if "bias" in wt else None)
    outs = ir["outputs"]

    def pad(x, p, value=0.0):
        return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], constant_values=value) if p else x

    @tf.function
    def forward(x):
        v = [tf.transpose(x, [0, 2, 3, 1])]
        for n in nodes[1:]:
            op, ins = n["op"], [v[i] for i in n["inputs"]]
            k, a = op["kind"], ins[0] if ins else None
            if k == "conv":
                f, b = w[n["id"]]
                s = 1 if op["dilation"] > 1 else op["stride"]
                x2 = pad(a, op["padding"])
                if op["groups"] == 1:
                    y = tf.nn.conv2d(x2, f, s, "VALID", dilations=op["dilation"])
                else:
                    y = tf.nn.depthwise_conv2d(x2, f, [1, s, s, 1], "VALID", dilations=[op["dilation"]] * 2)
                if s != op["stride"]:
                    y = y[:, ::op["stride"], ::op["stride"], :]
                if b is not None:
                    y = y + b
            elif k == "batchnorm":
                m, var = tf.nn.moments(a, [0, 1, 2], keepdims=True)
                y = (a - m) * tf.math.rsqrt(var + EPS)
            elif k == "act":
                y = {"relu": tf.nn.relu, "sigmoid": tf.sigmoid,
                     "hswish": lambda t: t * tf.nn.relu6(t + 3) / 6, "hsigmoid": lambda t: tf.nn.relu6(t + 3) / 6}[op["fn"]](a)
            elif k == "maxpool":
                y = tf.nn.max_pool2d(pad(a, op["padding"], float("-inf")), op["kernel"], op["stride"], "VALID")
            elif k == "avgpool":
                p, kk = op["padding"], op["kernel"]
                y = tf.nn.avg_pool2d(pad(a, p), kk, op["stride"], "VALID")
                if p and not op["countIncludePad"]:
                    ones = pad(tf.ones_like(a[:1, :, :, :1]), p)
                    y = y / tf.nn.avg_pool2d(ones, kk, op["stride"], "VALID")
            elif k == "crop":
                y = a[:, op["top"]:, op["left"]:, :]
            elif k == "add":
                y = tf.add_n(ins)
            elif k == "mul":
                y = a * ins[1]
            elif k == "zero":
                y = a * 0
            elif k == "concat":
                y = tf.concat(ins, 3)
            elif k == "globalavgpool":
                y = tf.reduce_mean(a, [1, 2], keepdims=True)
            elif k == "linear":
                f, b = w[n["id"]]
                flat = tf.reshape(tf.transpose(a, [0, 3, 1, 2]), [tf.shape(a)[0], -1])
                y = tf.reshape(tf.matmul(flat, f, transpose_b=True) + b, [tf.shape(a)[0], 1, 1, -1])
            else:
                raise ValueError(k)
            v.append(y)
        return [tf.transpose(v[o], [0, 3, 1, 2]) for o in outs]
    return forward


def timed(fn, x, batches):
    """Seconds of the fastest of `batches` calls (after a warm-up), as the Node side counts."""
    fn(x)  # warm-up (graph tracing, allocation)
    best = float("inf")
    for _ in range(batches):
        t = time.perf_counter()
        fn(x)
        best = min(best, time.perf_counter() - t)
    return best


def main():
    dir_, threads = sys.argv[1], int(sys.argv[2])
    meta = json.load(open(os.path.join(dir_, "meta.json")))
    b = meta["batch"]
    x = np.fromfile(os.path.join(dir_, "input.bin"), dtype=np.float32).reshape(b, 3, 32, 32)

    import torch
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    a = torch.randn(2048, 2048)
    torch.mm(a, a)
    best = timed(lambda m: torch.mm(m, m), a, 5)
    print(json.dumps({"peer": "ceiling", "what": "torch.mm 2048x2048 float32, best of 5", "gflops": 2 * 2048 ** 3 / best / 1e9}), flush=True)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    for net in meta["nets"]:
        name, batches = net["name"], net["batches"]
        ir, weights = load(dir_, name)
        ref = np.fromfile(os.path.join(dir_, f"onnx-{name}.bin"), dtype=np.float32)
        with torch.inference_mode():
            fwd = torch_forward_fn(ir, weights, torch)
            xt = torch.from_numpy(x)
            diff = rel(fwd(xt)[-1].numpy(), ref)
            s = timed(fwd, xt, batches)
        print(json.dumps({"peer": "pytorch", "net": name, "seconds": s, "images": b, "relDiffVsOnnx": diff}), flush=True)
        fwd = tf_forward_fn(ir, weights, tf)
        xf = tf.constant(x)
        diff = rel(fwd(xf)[-1].numpy(), ref)
        s = timed(lambda v: [o.numpy() for o in fwd(v)], xf, batches)
        print(json.dumps({"peer": "tensorflow", "net": name, "seconds": s, "images": b, "relDiffVsOnnx": diff}), flush=True)


if __name__ == "__main__":
    main()
