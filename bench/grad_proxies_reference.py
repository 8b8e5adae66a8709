#!/usr/bin/env python3
"""Independent reference of rwenas's gradient-based proxies (evaluator/estimators/proxies/):
the network interpreted from its IR JSON in JAX (NCHW, float64, JAX's own autodiff), and each
proxy computed as its authors' code computes it (NumPy), on the weights, batches and AZ-NAS
sign tensors written by bench/lib/proxy-fixture.ts.

Usage: grad_proxies_reference.py FIXTURE PROXIES   (FIXTURE = path without .json/.bin; PROXIES =
comma-separated among synflow, jacob_cov, zico, az_trainability). Prints one JSON object.
Needs: pip install -r bench/requirements-reference.txt (jax, numpy)."""
import json
import sys

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)
jnp = jax.numpy
lax = jax.lax
EPS = 1e-5


def load(prefix):
    meta = json.load(open(prefix + ".json"))
    raw = np.fromfile(prefix + ".bin", dtype=np.float32).astype(np.float64)
    take = lambda ol: raw[ol[0]:ol[0] + ol[1]]
    params = {}
    for k, v in meta["weights"].items():
        node = meta["nodes"][int(k)]
        op = node["op"]
        cin = meta["nodes"][node["inputs"][0]]["shape"]["c"]
        if op["kind"] == "conv":
            shape = (op["outChannels"], cin // op["groups"], op["kernel"], op["kernel"])
        else:
            s = meta["nodes"][node["inputs"][0]]["shape"]
            shape = (op["outFeatures"], s["c"] * s["h"] * s["w"])
        params[k] = {"weight": jnp.asarray(take(v["weight"]).reshape(shape))}
        if "bias" in v:
            params[k]["bias"] = jnp.asarray(take(v["bias"]))
    s = meta["inputShape"]
    batches = [(jnp.asarray(take(b["images"]).reshape(b["n"], s["c"], s["h"], s["w"])), np.array(b["labels"])) for b in meta["batches"]]
    signs = {int(k): take(v) for k, v in meta["signs"].items()}
    return meta, params, batches, signs


def pool(x, op, kind):
    k, s, p = op["kernel"], op["stride"], op["padding"]
    pads = ((0, 0), (0, 0), (p, p), (p, p))
    if kind == "maxpool":
        return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, k, k), (1, 1, s, s), pads)
    total = lax.reduce_window(x, 0.0, lax.add, (1, 1, k, k), (1, 1, s, s), pads)
    if op["countIncludePad"]:
        return total / (k * k)
    ones = jnp.ones((1, 1) + x.shape[2:], x.dtype)
    return total / lax.reduce_window(ones, 0.0, lax.add, (1, 1, k, k), (1, 1, s, s), pads)


def node_value(node, ins, params, bn):
    op = node["op"]
    kind = op["kind"]
    x = ins[0] if ins else None
    if kind == "conv":
        p = params[str(node["id"])]
        y = lax.conv_general_dilated(x, p["weight"], (op["stride"],) * 2, [(op["padding"],) * 2] * 2,
                                     rhs_dilation=(op["dilation"],) * 2, feature_group_count=op["groups"],
                                     dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return y + p["bias"][None, :, None, None] if "bias" in p else y
    if kind == "batchnorm":
        if not bn:
            return x
        mean = x.mean(axis=(0, 2, 3), keepdims=True)
        var = ((x - mean) ** 2).mean(axis=(0, 2, 3), keepdims=True)
        return (x - mean) / jnp.sqrt(var + EPS)
    if kind == "act":
        fn = op["fn"]
        if fn == "relu":
            # PyTorch's convention: no gradient at exactly 0 (jnp.maximum would pass half).
            return jnp.where(x > 0, x, 0.0)
        hs = jnp.clip(x + 3, 0, 6) / 6
        return {"hswish": x * hs, "hsigmoid": hs, "sigmoid": jax.nn.sigmoid(x)}[fn]
    if kind in ("maxpool", "avgpool"):
        return pool(x, op, kind)
    if kind == "crop":
        return x[:, :, op["top"]:, op["left"]:]
    if kind == "add":
        return sum(ins[1:], ins[0])
    if kind == "mul":
        return x * ins[1]
    if kind == "zero":
        return x * 0
    if kind == "concat":
        return jnp.concatenate(ins, axis=1)
    if kind == "globalavgpool":
        return x.mean(axis=(2, 3), keepdims=True)
    if kind == "linear":
        p = params[str(node["id"])]
        y = x.reshape(x.shape[0], -1) @ p["weight"].T
        y = y + p["bias"] if "bias" in p else y
        return y[:, :, None, None]
    raise ValueError(f"unknown op {kind}")


def run(meta, params, x, bn, override=None, upto=None):
    """All node values (list by id). `override` = (node id, value) replaces that node's output."""
    nodes = meta["nodes"]
    last = upto if upto is not None else meta["output"]
    vals = [None] * len(nodes)
    vals[0] = x
    for node in nodes[1:last + 1]:
        i = node["id"]
        if override is not None and i == override[0]:
            vals[i] = override[1]
            continue
        vals[i] = node_value(node, [vals[j] for j in node["inputs"]], params, bn)
    return vals


def layer_keys(meta):
    """Conv and linear layers on the output's path (PyTorch gives the others no gradient)."""
    nodes = meta["nodes"]
    need = set([meta["output"]])
    for node in reversed(nodes):
        if node["id"] in need:
            need.update(node["inputs"])
    return [k for k in sorted(meta["weights"], key=int) if int(k) in need]


def synflow(meta, params, batches, signs):
    # zero-cost-nas: BN off, |θ| (weights and biases), an all-ones image, R = sum of the logits.
    absp = jax.tree_util.tree_map(jnp.abs, params)
    s = meta["inputShape"]
    ones = jnp.ones((1, s["c"], s["h"], s["w"]))
    grads = jax.grad(lambda p: run(meta, p, ones, bn=False)[meta["output"]].sum())(absp)
    return float(sum(jnp.abs(absp[k]["weight"] * grads[k]["weight"]).sum() for k in layer_keys(meta)))


def jacob_cov(meta, params, batches, signs):
    x, _ = batches[0]
    jac = jax.grad(lambda xx: run(meta, params, xx, bn=True)[meta["output"]].sum())(x)
    jac = np.asarray(jac).reshape(jac.shape[0], -1)
    corrs = np.corrcoef(jac)
    v, _ = np.linalg.eig(corrs)
    k = 1e-5
    return float(-np.sum(np.log(v + k) + 1.0 / (v + k)).real)


def zico(meta, params, batches, signs):
    keys = layer_keys(meta)
    per_layer = {k: [] for k in keys}
    for x, labels in batches:
        def loss(p):
            logits = run(meta, p, x, bn=True)[meta["output"]].reshape(x.shape[0], -1)
            logp = jax.nn.log_softmax(logits, axis=1)
            return -logp[jnp.arange(x.shape[0]), labels].mean()
        g = jax.grad(loss)(params)
        for k in keys:
            per_layer[k].append(np.asarray(g[k]["weight"]).reshape(-1))
    # ZiCo's caculate_zico, as in its authors' code.
    total = 0.0
    for k in keys:
        arr = np.array(per_layer[k])
        std = np.std(arr, axis=0)
        nz = np.nonzero(std)[0]
        mean_abs = np.mean(np.abs(arr), axis=0)
        tmpsum = np.sum(mean_abs[nz] / std[nz])
        if tmpsum != 0:
            total += np.log(tmpsum)
    return float(total)


def pixel_unshuffle(g, r):
    n, c, h, w = g.shape
    return g.reshape(n, c, h // r, r, w // r, r).transpose(0, 1, 3, 5, 2, 4).reshape(n, c * r * r, h // r, w // r)


def az_trainability(meta, params, batches, signs):
    x, _ = batches[0]
    feats = meta["features"]
    vals = run(meta, params, x, bn=True)
    scores = []
    for i in reversed(range(1, len(feats))):
        f_in, f_out = feats[i - 1], feats[i]
        out_shape = vals[f_out].shape
        g_out = signs[i - 1].reshape(out_shape)
        if f_in == f_out:
            # The authors' code: g_in == g_out -> -inf; rwenas uses sigma = 0's score instead.
            scores.append(-1.0 / 1e-6 + 2)
            continue
        f = lambda z: run(meta, params, x, bn=True, override=(f_in, z), upto=f_out)[f_out]
        _, vjp = jax.vjp(f, vals[f_in])
        g_in = np.asarray(vjp(jnp.asarray(g_out))[0])
        if g_in.shape[2] != out_shape[2]:
            g_in = pixel_unshuffle(g_in, g_in.shape[2] // out_shape[2])
        bo, co, ho, wo = out_shape
        gi = g_in.transpose(0, 2, 3, 1).reshape(bo * ho * wo, -1)
        go = g_out.transpose(0, 2, 3, 1).reshape(bo * ho * wo, co)
        mat = gi.T @ go / (bo * ho * wo)
        smax = np.linalg.svd(mat, compute_uv=False).max()
        scores.append(-smax - 1 / (smax + 1e-6) + 2)
    return float(np.mean(scores))


def main():
    prefix, names = sys.argv[1], sys.argv[2].split(",")
    meta, params, batches, signs = load(prefix)
    fns = {"synflow": synflow, "jacob_cov": jacob_cov, "zico": zico, "az_trainability": az_trainability}
    out = {}
    for name in names:
        v = fns[name](meta, params, batches, signs)
        out[name] = v if np.isfinite(v) else None
    print(json.dumps(out))


if __name__ == "__main__":
    main()
