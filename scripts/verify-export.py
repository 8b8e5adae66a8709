"""The PyTorch side of an export's agreement check (npm run verify:export DIR...): for each
exported folder, builds model.py's Network, compares its parameter count with rwenas's,
loads model.onnx's weights with the file's own loader, and runs the check batch
(check/input.f32):
  - eval mode (running statistics as exported) against ONNX Runtime's logits-onnx.f32;
  - train mode (batch statistics, as rwenas's evaluator) against logits-evaluator.f32.
Prints one JSON line per folder; exits 1 if a count differs, if eval mode differs from ONNX
Runtime by more than 1e-4, or train mode from the evaluator by more than 5e-3 (the export's
own ONNX-vs-evaluator bound: float32 rounding through 20 DARTS cells reaches ~3e-4 there), each
relative to the largest logit when that exceeds 1."""
import importlib.util
import json
import os
import sys

import torch

TOLERANCE = 1e-4
BATCH_STATS_TOLERANCE = 5e-3


def floats(path, shape):
    with open(path, "rb") as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(shape)


def diff(a, b):
    return {"maxAbsDiff": float((a - b).abs().max()), "maxAbs": float(b.abs().max())}


def verify(folder):
    spec = importlib.util.spec_from_file_location("exported_model", os.path.join(folder, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    meta = json.load(open(os.path.join(folder, "export.json")))
    model = module.Network()
    count = sum(p.numel() for p in model.parameters())
    module.load_onnx_weights(model, os.path.join(folder, "model.onnx"))
    c, h, w = module.INPUT_SHAPE
    x = floats(os.path.join(folder, "check", "input.f32"), (-1, c, h, w))
    with torch.no_grad():
        model.eval()
        inference = model(x)
        model.train()
        batch_stats = model(x)
    classes = inference.shape[1]
    result = {
        "folder": folder,
        "genome": module.GENOME,
        "params": {"pytorch": count, "rwenas": module.PARAMETERS, "exportJson": meta["params"]},
        "evalVsOnnx": diff(inference, floats(os.path.join(folder, "check", "logits-onnx.f32"), (-1, classes))),
        "trainVsEvaluator": diff(batch_stats, floats(os.path.join(folder, "check", "logits-evaluator.f32"), (-1, classes))),
        "torch": torch.__version__,
    }
    within = lambda d, tol: d["maxAbsDiff"] <= tol * max(1.0, d["maxAbs"])
    ok = count == module.PARAMETERS == meta["params"] and within(result["evalVsOnnx"], TOLERANCE) and within(result["trainVsEvaluator"], BATCH_STATS_TOLERANCE)
    result["ok"] = ok
    print(json.dumps(result), flush=True)
    return ok


if __name__ == "__main__":
    torch.set_num_threads(1)
    results = [verify(f) for f in sys.argv[1:]]
    sys.exit(0 if results and all(results) else 1)
