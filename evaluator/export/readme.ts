// The README of an exported folder: the genome, its objectives, how it was found, and how to
// load and train each format.
import type { Shape } from '../../search/ir.js';
import type { ExportSummary } from './folder.js';

export function exportReadme(s: ExportSummary, input: Shape): string {
  const p = s.provenance;
  const found =
    p.source === 'genome'
      ? 'given as a genome (`rwenas export --space ... --genome ...`), not found by a search'
      : p.source === 'run'
        ? `found by the local run in \`${p.runDir}\`${p.selection ? ` (${p.selection === 'knee' ? 'the knee of the front' : p.selection === 'front' ? 'a member of the Pareto front' : 'chosen by trial id'})` : ''}`
        : `found by the NASExperiment \`${p.namespace}/${p.experiment}\`${p.selection ? ` (${p.selection})` : ''}`;
  const objectives = s.objectives ? Object.entries(s.objectives).map(([k, v]) => `| ${k} | ${v} |`).join('\n') : '| (none measured) | |';
  const a = s.agreement;
  return `# ${s.space} architecture ${s.trial}

Genome: \`${s.genome}\`

The final network (${Object.entries(s.final).map(([k, v]) => `${k} ${v}`).join(', ')}): ${s.params} parameters, ${s.flops} FLOPs
(multiply-accumulates, as rwenas counts them). Initial weights: He-normal, seeded from the
experiment seed ${p.seed} and the trial, biases zero, batch norm at PyTorch's initial state
(scale 1, shift 0, running mean 0, variance 1). The network is untrained: train it before use.

## How it was found
It was ${found}.${p.method ? ` Estimator: \`${p.method}\`.` : ''} Seed ${p.seed}.${p.generation !== undefined ? ` Generation ${p.generation}.` : ''}

| objective (as the search measured it) | value |
|---|---|
${objectives}

## Files
- \`model.onnx\`: ONNX, opset ${s.onnx.opset}; input \`input\` [batch, ${input.c}, ${input.h}, ${input.w}] (NCHW float32), output \`logits\` [batch, ${s.final.numClasses}]. Batch norm in inference form.
- \`model.py\`: PyTorch \`nn.Module\` \`Network\` (needs only torch) and \`load_onnx_weights(model, "model.onnx")\`.
- \`tfjs/model.json\` + \`tfjs/weights.bin\`: TF.js LayersModel, channels last: input [batch, ${input.h}, ${input.w}, ${input.c}].
- \`check/\`: the batch the formats were compared on, and the logits (float32, little-endian).

Agreement on ${a.batch} (largest |logit| in brackets):
- ONNX vs rwenas's evaluator lowering (batch-statistics batch norm, the export given the same statistics): max |difference| ${a.onnxVsEvaluator.maxAbsDiff.toExponential(2)} (${a.onnxVsEvaluator.maxAbs.toPrecision(3)})
- TF.js vs ONNX Runtime (inference mode): max |difference| ${a.tfjsVsOnnx.maxAbsDiff.toExponential(2)} (${a.tfjsVsOnnx.maxAbs.toPrecision(3)})
- Parameters: rwenas ${s.params}, TF.js trainable ${s.tfjs.trainableParams}; \`python3 model.py\` prints PyTorch's count.${s.deadParams > 0 ? `
- ${s.deadParams} of the parameters are in layers whose output never reaches the logits (a cell node no edge reads). rwenas counts them, as NAS-Bench-201 does, and model.py computes them; TF.js cannot hold a layer that leads nowhere, so its model lacks them.` : ''}

## Load and train
PyTorch (CIFAR-10 inputs normalised per channel):
\`\`\`python
import torch
from model import Network, load_onnx_weights
model = load_onnx_weights(Network(), "model.onnx")   # or just Network() for PyTorch's own init
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=200)
model.train()
for epoch in range(200):
    for x, y in train_loader:          # random crop 32 (padding 4) + horizontal flip
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    sched.step()
\`\`\`

TF.js (\`@tensorflow/tfjs-node-gpu\` or \`@tensorflow/tfjs-node\`):
\`\`\`js
const tf = require('@tensorflow/tfjs-node-gpu');
const model = await tf.loadLayersModel('file://./tfjs/model.json');
// The model outputs logits: a softmax cross-entropy on them, with one-hot labels.
model.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: (y, logits) => tf.losses.softmaxCrossEntropy(y, logits) });
await model.fit(xTrain, yOneHot, { epochs: 200, batchSize: 96, shuffle: true });   // xTrain: [N, ${input.h}, ${input.w}, ${input.c}]
\`\`\`

ONNX Runtime (inference):
\`\`\`python
import onnxruntime as ort
logits = ort.InferenceSession("model.onnx").run(["logits"], {"input": x})[0]
\`\`\`
`;
}
