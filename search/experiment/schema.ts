// The one source of truth for the NASExperiment `spec`: a structural OpenAPI v3 schema that
// is valid as a Kubernetes CRD `openAPIV3Schema` (the operator embeds SPEC_SCHEMA under
// `properties.spec`), that `rwenas validate` walks, and from which defaults are applied and
// the README's field table is generated. Cross-field rules are written as CEL
// (`x-kubernetes-validations`, evaluated by the API server) and, beside each, the same rule in
// TypeScript (RULE_CHECKS, evaluated by validate.ts): keep the two in step.
// Every size field has an upper bound (documented in the README table), so no manifest can ask
// for unbounded work, memory or API objects.
import { OBJECTIVE_NAMES } from '../objectives.js';
import type { NetworkOptions, NetworkSize, SpaceName } from '../space.js';
import { SPACES } from '../spaces/index.js';
import { SPEC_DEFAULTS as D } from './defaults.js';
import { int, isObj, num, obj, rule, str, type CelRule, type SchemaNode } from './schema-node.js';
import { TEMPLATE_SCHEMA } from './template.js';
import { fixedFieldRules } from './fixed.js';

export { RULE_CHECKS, RULE_USES, type CelRule, type SchemaNode } from './schema-node.js';

/** Limits of the spec (documented in the README table through the schema). */
export const LIMITS = {
  /** Characters of one genome string: a DARTS genotype JSON is about 400. */
  genomeLength: 4096,
  populationSize: 1000,
  offspringSize: 1000,
  generations: 10000,
  /** Evaluations an experiment may ask for (populationSize + offspringSize x generations): one NASTrial each. */
  evaluations: 100000,
  channels: 1024,
  cells: 64,
  numClasses: 100000,
  inputSize: 1024,
  pathLength: 4096,
  parallelism: 1000,
  maxFailedTrials: 100000,
  backoffLimit: 20,
  classifierEpochs: 10000,
  pooledSize: 32,
  naswotBatch: 4096,
  /** Seconds an evaluator Job may run (a week). */
  timeoutSeconds: 604800,
} as const;

const L = LIMITS;

function networkOptions(which: string): SchemaNode {
  return obj(
    `Size overrides of the ${which}; an absent field takes the search space's own default.`,
    {
      channels: int('Initial channels (nb201, darts).', { minimum: 1, maximum: L.channels }),
      cells: int('nb201: cells per stage; darts: total cells.', { minimum: 1, maximum: L.cells }),
      widthMultiplier: num('mobilenetv3: width multiplier of every layer.', { minimum: 0.1, maximum: 4 }),
      numClasses: int('Classes of the classifier head.', { minimum: 2, maximum: L.numClasses }),
      inputSize: int('Input image side in pixels (CIFAR-10: 32).', { minimum: 8, maximum: L.inputSize }),
    },
    { default: {} },
  );
}

const objectivesDistinct = rule(
  'self.all(o, self.exists_one(p, p == o))',
  'must name 2 or 3 distinct objectives',
  (self: string[]) => new Set(self).size === self.length,
);
const populationEven = rule(
  'self % 2 == 0',
  `must be an even integer between 4 and ${LIMITS.populationSize}`,
  (self: number) => Number.isInteger(self) && self >= 4 && self <= LIMITS.populationSize && self % 2 === 0,
);
const initialGenomesFit = rule(
  '!has(self.initialGenomes) || size(self.initialGenomes) <= self.populationSize',
  'must hold at most populationSize genomes',
  (self: { initialGenomes?: unknown[]; populationSize: number }) =>
    !Array.isArray(self.initialGenomes) || typeof self.populationSize !== 'number' || self.initialGenomes.length <= self.populationSize,
  '.initialGenomes',
  ['.initialGenomes', '.populationSize'],
);
const subsetsFit = rule(
  'self.trainSamples + self.validationSamples <= 50000',
  'trainSamples + validationSamples must not exceed the 50000 images of the CIFAR-10 train split',
  (self: { trainSamples: number; validationSamples: number }) =>
    typeof self.trainSamples !== 'number' || typeof self.validationSamples !== 'number' || self.trainSamples + self.validationSamples <= 50000,
  '.validationSamples',
  ['.trainSamples', '.validationSamples'],
);
const positiveRate = rule('self > 0.0', 'must be a number > 0', (self: number) => self > 0);
// The NASWOT batch is the first naswotBatch images of the train subset.
const naswotBatchFits = rule(
  'self.naswotBatch <= self.trainSamples',
  'naswotBatch must not exceed trainSamples (the NASWOT batch is taken from the train subset)',
  (self: { naswotBatch: number; trainSamples: number }) =>
    typeof self.naswotBatch !== 'number' || typeof self.trainSamples !== 'number' || self.naswotBatch <= self.trainSamples,
  '.naswotBatch',
  ['.naswotBatch', '.trainSamples'],
);
const referencePointMatches = rule(
  "!has(self.algorithm.referencePoint) || (has(self.algorithm.referencePoint.error) == ('error' in self.objectives) && " +
    "has(self.algorithm.referencePoint.params) == ('params' in self.objectives) && " +
    "has(self.algorithm.referencePoint.flops) == ('flops' in self.objectives))",
  'must give a value for every objective and for no other',
  (self: { algorithm: { referencePoint?: Record<string, unknown> }; objectives: string[] }) => {
    const ref = self.algorithm.referencePoint;
    if (!isObj(ref) || !Array.isArray(self.objectives)) return true;
    return OBJECTIVE_NAMES.every((o) => (o in ref) === self.objectives.includes(o));
  },
  '.algorithm.referencePoint',
  ['.algorithm.referencePoint', '.objectives'],
);
const tableNeedsNb201 = rule(
  "self.evaluation.method != 'table' || self.searchSpace.name == 'nb201'",
  "method table needs searchSpace.name nb201 (the table holds NAS-Bench-201 cells)",
  (self: { evaluation: { method: string }; searchSpace: { name: string } }) =>
    self.evaluation.method !== 'table' || self.searchSpace.name === 'nb201',
  '.evaluation.method',
  ['.evaluation.method', '.searchSpace.name'],
);

const evaluationsBounded = rule(
  `self.populationSize + (has(self.offspringSize) ? self.offspringSize : self.populationSize) * self.generations <= ${L.evaluations}`,
  `populationSize + offspringSize x generations must be at most ${L.evaluations} evaluations (one NASTrial each)`,
  (self: { populationSize: number; offspringSize?: number; generations: number }) =>
    typeof self.populationSize !== 'number' || typeof self.generations !== 'number' || self.populationSize + (self.offspringSize ?? self.populationSize) * self.generations <= L.evaluations,
  '.generations',
  ['.populationSize', '.offspringSize', '.generations'],
);

// A CEL literal of a schema `number` field is a double, of an `integer` an int: CEL compares neither with the other.
const literal = (key: keyof NetworkOptions, v: number): string => (key === 'widthMultiplier' ? (Number.isInteger(v) ? `${v}.0` : String(v)) : String(v));
const SPACE_NAMES = Object.keys(SPACES) as SpaceName[];

// Size fields a space does not use (mobilenetv3: channels, cells; nb201, darts: widthMultiplier)
// are accepted only at the space's default, as its builder does (search/spaces/options.ts).
const UNUSED_OPTION_RULES: CelRule[] = SPACE_NAMES.flatMap((space) =>
  (['final', 'proxy'] as NetworkSize[]).flatMap((size) =>
    SPACES[space].unusedOptions.map((key) => {
      const value = SPACES[space].defaults[size][key];
      return rule(
        `self.name != '${space}' || !has(self.${size}) || !has(self.${size}.${key}) || self.${size}.${key} == ${literal(key, value)}`,
        `${key} does not apply to ${space} (only its default ${value} is accepted); remove it`,
        (self: { name: string; final?: NetworkOptions; proxy?: NetworkOptions }) => self.name !== space || self[size]?.[key] === undefined || self[size]?.[key] === value,
        `.${size}.${key}`,
        ['.name', `.${size}.${key}`],
      );
    }),
  ),
);

// naswot+params' constants are fitted on each space's default proxy (evaluator/estimators/calibration.ts
// refuses any other size at start-up; a test keeps the two in step). zero-cost measures the network
// its calibration names (nb201: NB201's 5 cells per stage, not the 1-cell default proxy), so it takes no override.
const CALIBRATED_KEYS = ['channels', 'cells', 'widthMultiplier', 'inputSize'] as const;
const NASWOT_PARAMS_PROXY_RULES: CelRule[] = CALIBRATED_KEYS.map((key) => {
  const byName = SPACE_NAMES.reduceRight((rest, space) => (rest === '' ? literal(key, SPACES[space].defaults.proxy[key]) : `self.searchSpace.name == '${space}' ? ${literal(key, SPACES[space].defaults.proxy[key])} : ${rest}`), '');
  return rule(
    `self.evaluation.method != 'naswot+params' || !has(self.searchSpace.proxy) || !has(self.searchSpace.proxy.${key}) || self.searchSpace.proxy.${key} == (${byName})`,
    `naswot+params is calibrated on the space's default proxy (${SPACE_NAMES.map((sp) => `${sp} ${SPACES[sp].defaults.proxy[key]}`).join(', ')}); remove the override or use naswot`,
    (self: { evaluation: { method: string }; searchSpace: { name: SpaceName; proxy?: NetworkOptions } }) =>
      self.evaluation.method !== 'naswot+params' || self.searchSpace.proxy?.[key] === undefined || self.searchSpace.proxy[key] === SPACES[self.searchSpace.name].defaults.proxy[key],
    `.searchSpace.proxy.${key}`,
    ['.evaluation.method', '.searchSpace.name', `.searchSpace.proxy.${key}`],
  );
});
const ZERO_COST_PROXY_RULES: CelRule[] = CALIBRATED_KEYS.map((key) =>
  rule(
    `self.evaluation.method != 'zero-cost' || !has(self.searchSpace.proxy) || !has(self.searchSpace.proxy.${key})`,
    'zero-cost measures the network it was calibrated on (docs/fidelity.md); remove the override or use naswot',
    (self: { evaluation: { method: string }; searchSpace: { proxy?: NetworkOptions } }) => self.evaluation.method !== 'zero-cost' || self.searchSpace.proxy?.[key] === undefined,
    `.searchSpace.proxy.${key}`,
    ['.evaluation.method', `.searchSpace.proxy.${key}`],
  ),
);

// zero-cost was calibrated on ONNX Runtime's forward passes (evaluator/estimators/zero-cost-estimator.ts).
const zeroCostOnOnnx = rule(
  `self.evaluation.method != 'zero-cost' || self.evaluation.engine != 'tfjs'`,
  'zero-cost runs its forward proxies on ONNX Runtime, where it was calibrated; use auto or onnx',
  (self: { evaluation: { method: string; engine?: string } }) => self.evaluation.method !== 'zero-cost' || self.evaluation.engine !== 'tfjs',
  '.evaluation.engine',
  ['.evaluation.method', '.evaluation.engine'],
);

/** NASWOT batch each space's naswot+params constants were fitted with (evaluator/calibration.ts). */
export const CALIBRATED_NASWOT_BATCH: Readonly<Record<SpaceName, number>> = { nb201: 128, darts: 64, mobilenetv3: 64 };
const calibratedBatchFits = rule(
  `self.evaluation.method != 'naswot+params' || self.evaluation.rwe.trainSamples >= (${SPACE_NAMES.reduceRight((rest, sp) => (rest === '' ? String(CALIBRATED_NASWOT_BATCH[sp]) : `self.searchSpace.name == '${sp}' ? ${CALIBRATED_NASWOT_BATCH[sp]} : ${rest}`), '')})`,
  `naswot+params needs trainSamples at least its calibrated NASWOT batch (${SPACE_NAMES.map((sp) => `${sp} ${CALIBRATED_NASWOT_BATCH[sp]}`).join(', ')})`,
  (self: { evaluation: { method: string; rwe: { trainSamples: number } }; searchSpace: { name: SpaceName } }) =>
    self.evaluation.method !== 'naswot+params' || typeof self.evaluation.rwe.trainSamples !== 'number' || self.evaluation.rwe.trainSamples >= CALIBRATED_NASWOT_BATCH[self.searchSpace.name],
  '.evaluation.rwe.trainSamples',
  ['.evaluation.method', '.searchSpace.name', '.evaluation.rwe.trainSamples'],
);

const A = D.algorithm;
const E = D.evaluation;
const X = D.execution;

export const SPEC_SCHEMA: SchemaNode = withFixedFields(obj(
  'A multi-objective neural architecture search: what to search, what to minimise, how to search, how to evaluate a candidate, and where to run evaluations.',
  {
    searchSpace: obj(
      'The search space and the sizes of the networks built from a genome.',
      {
        name: str('Search space: nb201 (NAS-Bench-201 cell), darts (DARTS normal and reduction cells) or mobilenetv3 (Once-for-All style macro space).', {
          enum: ['nb201', 'darts', 'mobilenetv3'],
        }),
        final: networkOptions('final network, whose params and FLOPs are the complexity objectives'),
        proxy: networkOptions('small proxy network that RWE, NASWOT and naswot+params run (zero-cost measures its calibrated network and refuses an override)'),
      },
      { required: ['name'], 'x-kubernetes-validations': UNUSED_OPTION_RULES },
    ),
    objectives: {
      type: 'array',
      description: 'Objectives to minimise, 2 or 3 distinct of: error (percent, from the evaluation method), params and flops (absolute counts of the final network; FLOPs = multiply-accumulates).',
      items: str('One objective.', { enum: [...OBJECTIVE_NAMES] }),
      minItems: 2,
      maxItems: 3,
      default: [...D.objectives],
      'x-kubernetes-list-type': 'set',
      'x-kubernetes-validations': [objectivesDistinct],
    },
    constraints: obj(
      'Upper bounds; a trial above any is infeasible (constrained domination). An absent bound is no constraint.',
      {
        maxParams: num('Maximum parameters of the final network.', { minimum: 0 }),
        maxFlops: num('Maximum FLOPs (multiply-accumulates) of the final network.', { minimum: 0 }),
        maxError: num('Maximum error in percent.', { minimum: 0, maximum: 100 }),
      },
      { default: {} },
    ),
    algorithm: obj(
      'The search algorithm and its settings.',
      {
        name: str('nsga2 (NSGA-II, Deb et al. 2002) or random (random search baseline).', { enum: ['nsga2', 'random'], default: A.name }),
        populationSize: int(`Population size; an even integer between 4 and ${L.populationSize}.`, {
          minimum: 4,
          maximum: L.populationSize,
          default: A.populationSize,
          'x-kubernetes-validations': [populationEven],
        }),
        offspringSize: int('Offspring evaluated per generation; absent = populationSize.', { minimum: 2, maximum: L.offspringSize }),
        generations: int('Generations after the initial population (generation 0); 0 evaluates only the initial population.', {
          minimum: 0,
          maximum: L.generations,
          default: A.generations,
        }),
        crossoverProbability: num('Probability that a pair of parents is recombined (otherwise copied before mutation).', {
          minimum: 0,
          maximum: 1,
          default: A.crossoverProbability,
        }),
        mutationRate: num('Per-gene mutation probability (at least one gene always changes).', { minimum: 0, maximum: 1, default: A.mutationRate }),
        seed: int('Seed of every random choice of the search and of the random weights; the same seed gives the same front.', {
          minimum: 0,
          maximum: 4294967295,
          default: A.seed,
        }),
        initialGenomes: {
          type: 'array',
          description: "Genomes (in the space's notation) placed in the initial population before random samples.",
          items: str(`One genome, at most ${L.genomeLength} characters.`, { maxLength: L.genomeLength }),
          maxItems: L.populationSize,
          default: [...A.initialGenomes],
        },
        referencePoint: obj(
          'Hypervolume reference point, one value per objective; absent = fixed from generation 0 and recorded in the results.',
          {
            error: num('Reference error in percent.', {}),
            params: num('Reference parameter count.', { minimum: 0 }),
            flops: num('Reference FLOPs.', { minimum: 0 }),
          },
        ),
      },
      { default: {}, 'x-kubernetes-validations': [initialGenomesFit, evaluationsBounded] },
    ),
    evaluation: obj(
      'How a candidate is evaluated: the method that gives its error, and that method\'s settings.',
      {
        method: str('zero-cost (default): a calibrated combination of training-free proxies of a network at random weights, run on ONNX Runtime, with per-space constants fitted on NAS-Bench-201/301 ground truth (docs/fidelity.md): nb201 MeCo-8 + ¼·SWAP of NB201\'s own network depth (16 channels, 5 cells per stage) on 64 images (Kendall τ 0.78–0.79 on held-out cells against NASWOT 0.64), darts NASWOT + SWAP − FLOPs + ¼·progressivity of the default proxy on 32 images (τ 0.53–0.54 against NASWOT 0.44); error is then an estimated test error in percent, exp(α − β·score) fitted to the ground truth (nb201 median deviation 1.9–2.0 points, darts 0.3); on mobilenetv3, which has no ground truth, error is a ranking score 100/(1 + e^score), not an error. It measures the network it was calibrated on, so searchSpace.proxy is refused, as is the tfjs engine. rwe (Random-Weight Evaluation, the paper\'s method), naswot (training-free score), rwe+naswot (a weighted mean of their errors, see rwe.naswotWeight), naswot+params (NASWOT with the log of the final network\'s params, the previous default) or table (NAS-Bench-201 lookup, nb201 only).', {
          enum: ['zero-cost', 'rwe', 'naswot', 'rwe+naswot', 'naswot+params', 'table'],
          default: E.method,
        }),
        dataset: obj(
          'The data set that RWE and NASWOT read (train split only; the test split is never used by search).',
          {
            name: str('Data set: cifar10 (CIFAR-10, 32x32, 10 classes).', { enum: ['cifar10'], default: E.dataset.name }),
            source: str('path: read an existing cifar-10-batches-bin directory; download: fetch the official archive, verify its MD5 and cache it at path. Absent: download under rwenas run when path is absent too (into the user cache), path otherwise (evaluator pods never download unless asked).', {
              enum: ['path', 'download'],
            }),
            path: str('Directory of the CIFAR-10 binary batches (or the cache directory for download). Absent: /data/cifar10/cifar-10-batches-bin in evaluator pods (the mounted volume); under rwenas run, $XDG_CACHE_HOME/rwenas/cifar10/cifar-10-batches-bin (default ~/.cache/rwenas/...), downloaded on first use.', { minLength: 1, maxLength: L.pathLength }),
          },
          { default: {} },
        ),
        rwe: obj(
          'Random-Weight Evaluation settings.',
          {
            trainSamples: int('Images from the train split that train the last-layer classifier.', { minimum: 10, maximum: 50000, default: E.rwe.trainSamples }),
            validationSamples: int('Disjoint images from the train split on which the classifier error is measured.', {
              minimum: 10,
              maximum: 50000,
              default: E.rwe.validationSamples,
            }),
            batchSize: int('Images per forward pass.', { minimum: 1, maximum: 4096, default: E.rwe.batchSize }),
            features: str('Which random features feed the classifier: last-stage (the last stage, pooled to pooledSize) or all-stages (each stage pooled likewise, concatenated).', {
              enum: ['last-stage', 'all-stages'],
              default: E.rwe.features,
            }),
            classifierEpochs: int('Training epochs of the softmax classifier.', { minimum: 1, maximum: L.classifierEpochs, default: E.rwe.classifierEpochs }),
            l2: num('L2 penalty of the classifier weights.', { minimum: 0, default: E.rwe.l2 }),
            pooledSize: int('Side of the average pooling of each feature map before the classifier (1 = global pooling; k gives k x k values per channel).', {
              minimum: 1,
              maximum: L.pooledSize,
              default: E.rwe.pooledSize,
            }),
            learningRate: num('Adam step size of the softmax classifier.', { default: E.rwe.learningRate, 'x-kubernetes-validations': [positiveRate] }),
            classifierBatchSize: int('Mini-batch size of the softmax classifier.', { minimum: 1, maximum: 50000, default: E.rwe.classifierBatchSize }),
            naswotBatch: int('Images (the first of the train subset) whose binary ReLU codes give the NASWOT score (naswot, rwe+naswot; naswot+params uses the batch its constants were fitted with); at most trainSamples.', {
              minimum: 2,
              maximum: L.naswotBatch,
              default: E.rwe.naswotBatch,
            }),
            naswotWeight: num('rwe+naswot: weight of the NASWOT error in the combined error, (1 - w) * rwe + w * naswot (0 = RWE only, 1 = NASWOT only).', {
              minimum: 0,
              maximum: 1,
              default: E.rwe.naswotWeight,
            }),
          },
          { default: {}, 'x-kubernetes-validations': [subsetsFit, naswotBatchFits] },
        ),
        table: obj(
          'Settings of the table method.',
          { path: str('CSV (plain or gzip) with the columns of nb201-cifar10.csv (index, arch, test_acc_200ep, test_acc_12ep); error = 100 - test_acc_200ep.', { minLength: 1, maxLength: L.pathLength }) },
          { default: {} },
        ),
        engine: str('Engine that runs the networks: onnx (ONNX Runtime), tfjs (TensorFlow.js) or auto.', { enum: ['auto', 'onnx', 'tfjs'], default: E.engine }),
        threads: int('Threads per evaluation (ONNX Runtime intra-op); 0 = automatic: CPUs / workers under rwenas run, the library default (all cores) elsewhere.', { minimum: 0, maximum: 1024, default: E.threads }),
      },
      { default: {} },
    ),
    execution: obj(
      'Where and how evaluations run (Kubernetes Jobs under the operator; worker threads under rwenas run).',
      {
        parallelism: int('Evaluator Jobs running at a time.', { minimum: 1, maximum: L.parallelism, default: X.parallelism }),
        trialsPerJob: int('Trials evaluated by one Job, 1 to 16.', { minimum: 1, maximum: 16, default: X.trialsPerJob }),
        maxFailedTrials: int('Failed trials tolerated before the experiment fails.', { minimum: 0, maximum: L.maxFailedTrials, default: X.maxFailedTrials }),
        backoffLimit: int('Retries of a failed evaluator Job before its trials are Failed.', { minimum: 0, maximum: L.backoffLimit, default: X.backoffLimit }),
        timeoutSeconds: int('Seconds an evaluator Job may run (its activeDeadlineSeconds): a pod stuck pulling its image, unschedulable or hung fails its attempt after this, and the attempt is retried up to backoffLimit. May change while the experiment runs.', {
          minimum: 1,
          maximum: L.timeoutSeconds,
          default: X.timeoutSeconds,
        }),
        genomeTimeoutSeconds: int('Seconds one genome\'s evaluation may take before that trial Fails (the evaluator\'s worker thread is replaced and the rest of the batch goes on), in evaluator pods and under rwenas run (where --genome-timeout overrides it).', {
          minimum: 1,
          maximum: L.timeoutSeconds,
          default: X.genomeTimeoutSeconds,
        }),
        template: TEMPLATE_SCHEMA,
      },
      { default: {} },
    ),
    suspend: { type: 'boolean', description: 'When true, no new evaluations start; false resumes.', default: D.suspend },
  },
  { required: ['searchSpace'], 'x-kubernetes-validations': [referencePointMatches, tableNeedsNb201, ...NASWOT_PARAMS_PROXY_RULES, ...ZERO_COST_PROXY_RULES, calibratedBatchFits, zeroCostOnOnnx] },
));

/** The spec with the transition rules that keep its fixed fields fixed (fixed.ts). */
function withFixedFields(spec: SchemaNode): SchemaNode {
  return { ...spec, 'x-kubernetes-validations': [...(spec['x-kubernetes-validations'] ?? []), ...fixedFieldRules(spec)] };
}
