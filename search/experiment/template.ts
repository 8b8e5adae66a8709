// spec.execution.template: the evaluator pod settings a NASExperiment may choose, as an explicit
// allow-list in the style of Katib's and Tekton's pod templates. Whoever may create a
// NASExperiment gets a pod created by the operator's identity, so anything outside this list
// (other containers, host namespaces, hostPath and projected volumes, service accounts,
// securityContext, envFrom and valueFrom) is refused by the schema, and the operator builds
// the Job from these fields alone. Limits keep every list and string bounded (and CEL cheap).
import { bool, int, list, map, obj, rule, str, type SchemaNode } from './schema-node.js';

/** The one container of an evaluator pod; the operator sets its command. */
export const EVALUATOR_CONTAINER = 'evaluator';
/** Environment variables the operator sets on the evaluator. */
export const OPERATOR_ENV = ['RWENAS_SPEC', 'RWENAS_SPEC_FILE', 'RWENAS_BATCH', 'RWENAS_JOB'] as const;
/** Volumes the operator adds are named with this prefix, which user volumes may not use. */
export const OPERATOR_VOLUME_PREFIX = 'rwenas-';
/** Mount paths the operator uses. */
export const OPERATOR_MOUNTS = ['/rwenas-scratch', '/rwenas-spec', '/dev/termination-log'] as const;
/** Label keys under this prefix are the operator's (experiment, generation, batch, attempt). */
export const OPERATOR_LABEL_PREFIX = 'rwenas.dev/';
/** Annotations that would loosen a container's confinement. */
export const CONFINEMENT_ANNOTATIONS = ['container.apparmor.security.beta.kubernetes.io/', 'seccomp.security.alpha.kubernetes.io/', 'container.seccomp.security.alpha.kubernetes.io/'] as const;

// Kubernetes' own quantity syntax (as in its OpenAPI schemas), e.g. 500m, 8Gi, 1.
const QUANTITY = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const quantity = (description: string): SchemaNode => ({ type: 'int-or-string', description, pattern: QUANTITY, maxLength: 64 });
const name = (description: string, maxLength = 253): SchemaNode => str(description, { minLength: 1, maxLength });
const celList = (values: readonly string[]): string => `[${values.map((v) => `'${v}'`).join(', ')}]`;

const labelsOwn = rule(
  `self.all(k, size(k) <= 317 && !k.startsWith('${OPERATOR_LABEL_PREFIX}'))`,
  `keys must be at most 317 characters and not under ${OPERATOR_LABEL_PREFIX} (the operator's own labels)`,
  (self: Record<string, unknown>) => Object.keys(self).every((k) => k.length <= 317 && !k.startsWith(OPERATOR_LABEL_PREFIX)),
);
const annotationsConfined = rule(
  `self.all(k, size(k) <= 317 && ${CONFINEMENT_ANNOTATIONS.map((p) => `!k.startsWith('${p}')`).join(' && ')})`,
  'keys must be at most 317 characters and must not set AppArmor or seccomp profiles (the operator sets them)',
  (self: Record<string, unknown>) => Object.keys(self).every((k) => k.length <= 317 && CONFINEMENT_ANNOTATIONS.every((p) => !k.startsWith(p))),
);
const envOwn = rule(
  `!(self.name in ${celList(OPERATOR_ENV)})`,
  `must not set ${OPERATOR_ENV.join(', ')} (the operator sets them)`,
  (self: { name: string }) => !(OPERATOR_ENV as readonly string[]).includes(self.name),
);
const mountOwn = rule(
  `!(self.mountPath in ${celList(OPERATOR_MOUNTS)})`,
  `mountPath must not be ${OPERATOR_MOUNTS.join(', ')} (the operator's)`,
  (self: { mountPath: string }) => !(OPERATOR_MOUNTS as readonly string[]).includes(self.mountPath),
);
const volumeOneSource = rule(
  '(has(self.persistentVolumeClaim) ? 1 : 0) + (has(self.configMap) ? 1 : 0) + (has(self.emptyDir) ? 1 : 0) == 1',
  'must have exactly one of persistentVolumeClaim, configMap, emptyDir',
  (self: Record<string, unknown>) => ['persistentVolumeClaim', 'configMap', 'emptyDir'].filter((k) => self[k] !== undefined && self[k] !== null).length === 1,
);
const volumeNotOurs = rule(
  `!self.name.startsWith('${OPERATOR_VOLUME_PREFIX}')`,
  `name must not start with ${OPERATOR_VOLUME_PREFIX} (the operator's volumes)`,
  (self: { name: string }) => !self.name.startsWith(OPERATOR_VOLUME_PREFIX),
);
const volumesDistinct = rule(
  'self.all(v, self.exists_one(w, w.name == v.name))',
  'volume names must be distinct',
  (self: { name: string }[]) => new Set(self.map((v) => v.name)).size === self.length,
);
const mountsHaveVolumes = rule(
  '!has(self.containers) || self.containers.all(c, !has(c.volumeMounts) || c.volumeMounts.all(m, has(self.volumes) && self.volumes.exists(v, v.name == m.name)))',
  'every volumeMounts[].name must be the name of one of volumes',
  (self: { containers?: { volumeMounts?: { name: string }[] }[]; volumes?: { name: string }[] }) =>
    (self.containers ?? []).every((c) => (c.volumeMounts ?? []).every((m) => (self.volumes ?? []).some((v) => v.name === m.name))),
  '.containers',
  ['.containers', '.volumes'],
);

const resourceList = (what: string): SchemaNode => map(`${what}, by resource name (cpu, memory, nvidia.com/gpu, ...).`, quantity('A quantity, e.g. 2, 500m, 8Gi.'), { maxProperties: 16 });

const CONTAINER = obj(
  'The evaluator container (the only one a pod has): its image, resources, environment and mounts.',
  {
    name: str(`Must be ${EVALUATOR_CONTAINER}.`, { enum: [EVALUATOR_CONTAINER] }),
    image: name('Evaluator image; absent = the operator\'s --evaluator-image.', 1024),
    imagePullPolicy: str('Always, IfNotPresent or Never.', { enum: ['Always', 'IfNotPresent', 'Never'] }),
    resources: obj('Compute resources.', { limits: resourceList('Limits'), requests: resourceList('Requests') }),
    env: list(
      `Environment variables, plain values only (no valueFrom or envFrom: the evaluator needs no Secret, and the pod must not become a way to read one); at most 64.`,
      obj('One variable.', { name: name('Variable name.', 256), value: str('Its value.', { maxLength: 32768 }) }, { required: ['name'], 'x-kubernetes-validations': [envOwn] }),
      { maxItems: 64 },
    ),
    volumeMounts: list(
      'Mounts of the pod\'s volumes; at most 16.',
      obj(
        'One mount.',
        { name: name('Name of a volume of the pod.', 63), mountPath: name('Path in the container.', 4096), readOnly: bool('Mount read-only.'), subPath: str('Sub-path of the volume.', { maxLength: 4096 }) },
        { required: ['name', 'mountPath'], 'x-kubernetes-validations': [mountOwn] },
      ),
      { maxItems: 16 },
    ),
  },
  { required: ['name'] },
);

const TOLERATION = obj('One toleration.', {
  key: str('Taint key (empty with Exists = every taint).', { maxLength: 317 }),
  operator: str('Exists or Equal.', { enum: ['Exists', 'Equal'] }),
  value: str('Taint value (Equal).', { maxLength: 63 }),
  effect: str('NoSchedule, PreferNoSchedule or NoExecute; empty = all.', { enum: ['', 'NoSchedule', 'PreferNoSchedule', 'NoExecute'] }),
  tolerationSeconds: int('NoExecute: seconds the pod stays bound after the taint appears.', { minimum: 0, maximum: 31536000 }),
});

const AFFINITY_PART = (what: string): SchemaNode => ({
  type: 'object',
  description: `${what}, as in a Pod (checked by the API server when the Job is created).`,
  'x-kubernetes-preserve-unknown-fields': true,
});

const VOLUME = obj(
  'One volume: a PersistentVolumeClaim, a ConfigMap or an emptyDir (no other type: hostPath, projected tokens and Secrets are refused).',
  {
    name: name('Volume name, referenced by volumeMounts.', 63),
    persistentVolumeClaim: obj('A claim of the experiment\'s namespace.', { claimName: name('Claim name.'), readOnly: bool('Mount read-only.') }, { required: ['claimName'] }),
    configMap: obj(
      'A ConfigMap of the experiment\'s namespace.',
      {
        name: name('ConfigMap name.'),
        optional: bool('Whether the ConfigMap may be missing.'),
        defaultMode: int('File mode bits (0 to 0777).', { minimum: 0, maximum: 511 }),
        items: list(
          'Keys to project; absent = all; at most 64.',
          obj('One key.', { key: name('Key.'), path: name('Relative file path.', 4096), mode: int('File mode bits.', { minimum: 0, maximum: 511 }) }, { required: ['key', 'path'] }),
          { maxItems: 64 },
        ),
      },
      { required: ['name'] },
    ),
    emptyDir: obj('A scratch directory.', { medium: str('Empty (node disk) or Memory.', { enum: ['', 'Memory'] }), sizeLimit: quantity('Size limit, e.g. 10Gi.') }),
  },
  { required: ['name'], 'x-kubernetes-validations': [volumeOneSource, volumeNotOurs] },
);

export const TEMPLATE_SCHEMA: SchemaNode = obj(
  'Evaluator pod settings, an allow-listed subset of a PodTemplateSpec (image, resources such as nvidia.com/gpu, env, nodeSelector, tolerations, affinity, priorityClassName, imagePullSecrets, PVC/ConfigMap/emptyDir volumes); the operator adds the command, and forces a restricted securityContext, no service-account token and its own service account.',
  {
    metadata: obj('Pod labels and annotations.', {
      labels: map('Labels of evaluator pods; at most 64.', str('A label value.', { maxLength: 63 }), { maxProperties: 64, 'x-kubernetes-validations': [labelsOwn] }),
      annotations: map('Annotations of evaluator pods; at most 64.', str('An annotation value.', { maxLength: 4096 }), { maxProperties: 64, 'x-kubernetes-validations': [annotationsConfined] }),
    }),
    spec: obj(
      'Pod settings.',
      {
        containers: list(`At most one container, named ${EVALUATOR_CONTAINER}.`, CONTAINER, { maxItems: 1 }),
        nodeSelector: map('Node labels an evaluator pod must match; at most 64.', str('A label value.', { maxLength: 63 }), { maxProperties: 64 }),
        tolerations: list('Taints evaluator pods tolerate; at most 64.', TOLERATION, { maxItems: 64 }),
        affinity: obj('Node and pod (anti-)affinity.', {
          nodeAffinity: AFFINITY_PART('Node affinity'),
          podAffinity: AFFINITY_PART('Pod affinity'),
          podAntiAffinity: AFFINITY_PART('Pod anti-affinity'),
        }),
        priorityClassName: name('PriorityClass of evaluator pods.'),
        imagePullSecrets: list('Secrets (by name) the kubelet pulls the image with; at most 16.', obj('One secret.', { name: name('Secret name.') }, { required: ['name'] }), { maxItems: 16 }),
        volumes: list('Volumes; at most 16.', VOLUME, { maxItems: 16, 'x-kubernetes-validations': [volumesDistinct] }),
      },
      { 'x-kubernetes-validations': [mountsHaveVolumes] },
    ),
  },
  { default: {} },
);

/** spec.execution.template after validation: only the allow-listed fields (TEMPLATE_SCHEMA). */
export interface PodTemplate {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
  readonly spec?: {
    readonly containers?: readonly EvaluatorContainer[];
    readonly nodeSelector?: Readonly<Record<string, string>>;
    readonly tolerations?: readonly Readonly<Record<string, unknown>>[];
    readonly affinity?: Readonly<Record<string, unknown>>;
    readonly priorityClassName?: string;
    readonly imagePullSecrets?: readonly { readonly name: string }[];
    readonly volumes?: readonly Readonly<Record<string, unknown>>[];
  };
}

export interface EvaluatorContainer {
  readonly name: typeof EVALUATOR_CONTAINER;
  readonly image?: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  readonly resources?: { readonly limits?: Readonly<Record<string, string | number>>; readonly requests?: Readonly<Record<string, string | number>> };
  readonly env?: readonly { readonly name: string; readonly value?: string }[];
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean; readonly subPath?: string }[];
}
