#!/usr/bin/env python3
"""Independent NumPy reference for the forward-only proxies (evaluator/estimators/proxies).

Reads a dump written by test/evaluator/proxies.test.ts: whole node tensors of a proxy network
(float32, NCHW, one raw file per node) from a plain forward pass, and computes each proxy
from its paper's formula, straight from those tensors, in float64:
  NASWOT  log|K|, K = c c^T + (1-c)(1-c)^T over the binary ReLU codes c (Mellor et al. 2021)
  SWAP    number of distinct per-unit activation patterns over the batch (Peng et al. 2024)
  MeCo    sum over layers of the minimum eigenvalue of numpy.corrcoef of image 0's channels,
          NaN entries set to 0 (Jiang et al. 2023); MeCo-8 its mean over images 0..7
  AZ-NAS  expressivity = sum over block outputs of the entropy of the normalised eigenvalues
          of the channel covariance over all B*H*W positions; progressivity = min increase
          (Lee & Ham 2024)
  Zen     log mean_images sum|f(x) - f(x')| + sum_BN log sqrt(mean_c var_c) (Lin et al. 2021),
          var over (N, H, W) of each batch norm's input on x; constant-input BNs left out
Usage: proxies_reference.py DUMP_DIR  (prints one JSON object of scores)
"""
import json
import os
import sys

import numpy as np


def load(dump, entry):
    return np.fromfile(os.path.join(dump, entry["file"]), dtype=np.float32).reshape(entry["shape"]).astype(np.float64)


def naswot(maps):
    n = maps[0].shape[0]
    c = np.concatenate([(m.reshape(n, -1) > 0) for m in maps], axis=1).astype(np.float64)
    k = c @ c.T + (1 - c) @ (1 - c).T
    sign, logdet = np.linalg.slogdet(k)
    return float(logdet) if sign != 0 else float("-inf")


def swap(maps):
    n = maps[0].shape[0]
    patterns = np.concatenate([(m.reshape(n, -1) > 0) for m in maps], axis=1).T
    return int(np.unique(patterns, axis=0).shape[0])


def meco(maps, image=0):
    total = 0.0
    for m in maps:
        c = m.shape[1]
        fea = m[image].reshape(c, -1)
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = np.corrcoef(fea) if fea.shape[1] > 1 else np.full((c, c), np.nan)
        corr = np.atleast_2d(corr)
        corr[~np.isfinite(corr)] = 0
        total += float(np.min(np.linalg.eigvalsh(corr)))
    return total


def expressivity(maps):
    scores = []
    for m in maps:
        b, c, h, w = m.shape
        feat = m.transpose(0, 2, 3, 1).reshape(b * h * w, c)
        feat = feat - feat.mean(axis=0, keepdims=True)
        sigma = feat.T @ feat / feat.shape[0]
        s = np.linalg.eigvalsh(sigma)
        p = s / s.sum()
        scores.append(float(np.sum(-p * np.log(p + 1e-8))))
    scores = np.array(scores)
    return float(scores.sum()), float(np.min(scores[1:] - scores[:-1]))


def zen(f, f_mixed, bn_inputs):
    n = f.shape[0]
    score = np.log(np.abs(f - f_mixed).reshape(n, -1).sum(axis=1).mean())
    for x in bn_inputs:
        v = x.var(axis=(0, 2, 3)).mean()
        if v > 0:
            score += np.log(np.sqrt(v))
    return float(score)


def main():
    dump = sys.argv[1]
    with open(os.path.join(dump, "manifest.json")) as fh:
        man = json.load(fh)
    he = {int(k): v for k, v in man["he"].items()}
    zen_maps = {int(k): v for k, v in man["zen"].items()}
    get = lambda table, ids: [load(dump, table[i]) for i in ids]
    codes = get(he, man["codes"])
    expr, prog = expressivity(get(he, man["blocks"]))
    out = {
        "naswot": naswot(codes),
        "swap": swap(codes),
        "meco": meco(get(he, man["layers"])),
        "meco8": float(np.mean([meco(get(he, man["layers"]), i) for i in range(8)])),
        "expressivity": expr,
        "progressivity": prog,
        "zen": zen(load(dump, zen_maps[man["preGap"]]), load(dump, man["preGapMixed"]), get(zen_maps, man["bnInputs"])),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
