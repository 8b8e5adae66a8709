// The two CustomResourceDefinitions, built from the experiment spec schema
// (search/experiment/schema.ts) plus the status and trial schemas below. `npm run crds:gen`
// writes them to crds/; a test checks crds/ equals this output, so types, schema and the
// installed CRDs cannot drift apart.
import { stringify } from 'yaml';
import { SPEC_SCHEMA, type SchemaNode } from '../search/experiment/schema.js';
import { applyDefaults } from '../search/experiment/validate.js';
import { FRONT_IN_STATUS } from './front.js';
import { API_GROUP, API_VERSION_NAME, LABEL_EXPERIMENT, LABEL_FRONT, MAX_EXPERIMENT_NAME, MAX_STATUS_HISTORY } from './types.js';

type Json = Record<string, unknown>;

const str = (description: string, extra: Json = {}): Json => ({ type: 'string', description, ...extra });
const int = (description: string, extra: Json = {}): Json => ({ type: 'integer', format: 'int64', description, minimum: 0, ...extra });
const num = (description: string): Json => ({ type: 'number', description });
const obj = (description: string, properties: Record<string, Json>, extra: Json = {}): Json => ({
  type: 'object',
  description,
  properties,
  ...extra,
});
const time = (description: string): Json => str(description, { format: 'date-time' });

function objectives(what: string): Json {
  return obj(`${what}, one value per objective (all minimised).`, {
    error: num('Error in percent from the evaluation method.'),
    params: num('Parameters of the final network.'),
    flops: num('FLOPs (multiply-accumulates) of the final network.'),
  });
}

const CONDITIONS: Json = {
  type: 'array',
  description: 'Current state of the object, as the Kubernetes API conventions describe conditions.',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  items: obj(
    'One aspect of the state.',
    {
      type: str('Condition type, e.g. SpecValid, SpecAccepted, Progressing, Suspended, Complete, Failed.'),
      status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
      reason: str('A CamelCase reason for the last transition.'),
      message: str('A human-readable message: what happened and what to do.'),
      lastTransitionTime: time('When the status last changed.'),
      observedGeneration: int('The metadata.generation the condition was computed from.'),
    },
    { required: ['type', 'status', 'lastTransitionTime'] },
  ),
};

const EXPERIMENT_STATUS: Json = obj('Observed state of the experiment, written by the operator.', {
  phase: str('Pending, Running, Suspended, Succeeded, Failed or Invalid (the spec is wrong; see conditions).', {
    enum: ['Pending', 'Running', 'Suspended', 'Succeeded', 'Failed', 'Invalid'],
  }),
  observedGeneration: int('The metadata.generation of the spec this status was computed from.'),
  generation: int('The search generation being evaluated (0 = the initial population); equals generations when done.'),
  generations: int('Generations the search runs after generation 0 (from spec.algorithm.generations).'),
  trials: obj('Trials (distinct genomes) by state.', {
    total: int('All NASTrials of the experiment.'),
    pending: int('Created, waiting for a Job.'),
    running: int('In a Job that has not finished.'),
    succeeded: int('Evaluated.'),
    failed: int('Failed after every retry; infeasible for selection.'),
    evaluated: int('Succeeded plus failed.'),
  }),
  activeJobs: int('Evaluator Jobs running now.'),
  hypervolume: num('Hypervolume of the current Pareto front against referencePoint (larger is better).'),
  referencePoint: objectives('Hypervolume reference point'),
  frontSize: int('Trials on the current Pareto front (all of them; paretoFront may hold fewer).'),
  paretoFront: {
    type: 'array',
    description: `The non-dominated feasible trials found so far: at most ${FRONT_IN_STATUS}, spread evenly along the front by the first objective (both ends kept), so the status stays far below the object size limit. The whole front (frontSize trials) is the NASTrials labelled ${LABEL_FRONT}=true: kubectl get nastrials -l ${LABEL_EXPERIMENT}=NAME,${LABEL_FRONT}=true.`,
    maxItems: FRONT_IN_STATUS,
    'x-kubernetes-list-type': 'atomic',
    items: obj(
      'One trial on the front.',
      {
        trial: str('NASTrial name.'),
        genome: str('Canonical genome.'),
        objectives: objectives('Its objectives'),
      },
      { required: ['trial', 'genome', 'objectives'] },
    ),
  },
  history: {
    type: 'array',
    description: `Progress after each generation, the last ${MAX_STATUS_HISTORY} generations: the front over every trial so far (what rwenas run writes to summary.json).`,
    'x-kubernetes-list-type': 'atomic',
    maxItems: MAX_STATUS_HISTORY,
    items: obj(
      'One generation.',
      {
        generation: int('The generation.'),
        evaluated: int('Trials evaluated in it.'),
        failed: int('Of those, failed.'),
        evaluations: int('Trials evaluated up to and including it.'),
        frontSize: int('Size of the front over every trial so far.'),
        hypervolume: num('Hypervolume of that front against referencePoint (0 before it is fixed).'),
      },
      { required: ['generation', 'evaluated', 'failed', 'evaluations', 'frontSize', 'hypervolume'] },
    ),
  },
  lockedSpec: {
    type: 'object',
    description: 'Digests of the spec fields fixed when the experiment started (all but generations, parallelism, maxFailedTrials and suspend), to detect changes.',
    additionalProperties: { type: 'string' },
  },
  startTime: time('When the first evaluation was started.'),
  completionTime: time('When the experiment Succeeded or Failed.'),
  conditions: CONDITIONS,
});

const TRIAL_SPEC: Json = obj(
  'One genome of an experiment, evaluated once.',
  {
    experiment: str('Name of the owning NASExperiment.'),
    searchSpace: str('Search space of the genome.', { enum: ['nb201', 'darts', 'mobilenetv3'] }),
    genome: str('Canonical genome string.'),
    genomeHash: str('16 hex digits of SHA-256 over searchSpace:genome; the trial name ends with its first 12.'),
    generation: int('The search generation that first asked for this genome.'),
  },
  {
    required: ['experiment', 'searchSpace', 'genome', 'genomeHash', 'generation'],
    'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'a NASTrial spec is immutable' }],
  },
);

const TRIAL_STATUS: Json = obj('The evaluation of the genome, written by the operator.', {
  phase: str('Pending, Running, Succeeded or Failed.', { enum: ['Pending', 'Running', 'Succeeded', 'Failed'] }),
  objectives: objectives('The evaluation'),
  job: str('The Job (attempt) that evaluated the trial, or that is evaluating it.'),
  attempts: int('Job attempts made for this trial.'),
  durationSeconds: num('Seconds the evaluation itself took, as the evaluator measured it.'),
  reason: str('Why a trial failed (CamelCase).'),
  message: str('What failed, for a user.'),
  startTime: time('When its Job was created.'),
  completionTime: time('When its result was recorded.'),
});

function version(spec: Json, status: Json, columns: Json[], rootRules: Json[]): Json {
  return {
    name: API_VERSION_NAME,
    served: true,
    storage: true,
    subresources: { status: {} },
    additionalPrinterColumns: columns,
    schema: {
      openAPIV3Schema: {
        type: 'object',
        properties: {
          apiVersion: str('APIVersion of this representation of the object.'),
          kind: str('Kind of the object.'),
          metadata: { type: 'object' },
          spec,
          status,
        },
        required: ['spec'],
        ...(rootRules.length > 0 ? { 'x-kubernetes-validations': rootRules } : {}),
      },
    },
  };
}

const nameRule = {
  rule: `size(self.metadata.name) <= ${MAX_EXPERIMENT_NAME}`,
  message: `metadata.name must be at most ${MAX_EXPERIMENT_NAME} characters: it prefixes the names and labels of the experiment's trials and Jobs`,
};

/**
 * The spec schema with each object default written out in full (`rwe: {}` becomes
 * `{trainSamples: 5000, ...}`): the API server checks a default against the node's CEL rules
 * as written, and a rule such as `self.trainSamples + ...` cannot read an absent key.
 */
function expandDefaults(node: SchemaNode): Json {
  const out: Json = { ...node };
  // A Kubernetes quantity is int-or-string: no type, and the pattern applies to strings.
  if (node.type === 'int-or-string') {
    delete out.type;
    out['x-kubernetes-int-or-string'] = true;
  }
  if (node.properties) out.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, expandDefaults(v)]));
  if (node.additionalProperties) out.additionalProperties = expandDefaults(node.additionalProperties);
  if (node.items) out.items = expandDefaults(node.items);
  if (node.type === 'object' && node.default !== undefined && node.properties && !node['x-kubernetes-preserve-unknown-fields']) {
    out.default = applyDefaults(undefined, node);
  }
  return out;
}

function crd(kind: string, plural: string, shortName: string, spec: Json, status: Json, columns: Json[], rules: Json[]): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), shortNames: [shortName], categories: ['rwenas'] },
      scope: 'Namespaced',
      versions: [version(spec, status, columns, rules)],
    },
  };
}

export function experimentCrd(): Json {
  const spec = expandDefaults(SPEC_SCHEMA);
  return crd('NASExperiment', 'nasexperiments', 'nasexp', spec, EXPERIMENT_STATUS, [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Generation', type: 'integer', jsonPath: '.status.generation' },
    { name: 'Evaluated', type: 'integer', jsonPath: '.status.trials.evaluated' },
    { name: 'Front', type: 'integer', jsonPath: '.status.frontSize' },
    { name: 'Hypervolume', type: 'number', jsonPath: '.status.hypervolume' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ], [nameRule]);
}

export function trialCrd(): Json {
  return crd('NASTrial', 'nastrials', 'nastrial', TRIAL_SPEC, TRIAL_STATUS, [
    { name: 'Generation', type: 'integer', jsonPath: '.spec.generation' },
    { name: 'Error', type: 'number', jsonPath: '.status.objectives.error' },
    { name: 'FLOPs', type: 'number', jsonPath: '.status.objectives.flops' },
    { name: 'Params', type: 'number', jsonPath: '.status.objectives.params' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ], []);
}

const HEADER = '# Generated by `npm run crds:gen` (scripts/gen-crds.ts) from search/experiment/schema.ts and operator/crd.ts. Do not edit.\n';

/** The files of crds/, by file name. */
export function renderCrds(): Record<string, string> {
  const render = (o: Json) => HEADER + stringify(o, { lineWidth: 0 });
  return { 'nasexperiments.yaml': render(experimentCrd()), 'nastrials.yaml': render(trialCrd()) };
}
