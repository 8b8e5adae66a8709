// Evaluator Jobs, built field by field from the allow-listed pod template
// (search/experiment/template.ts): the operator owns the container's command, args, the spec and
// batch it reads, and every security setting. Nothing of the template is spread into the Job,
// so a field the schema does not know cannot reach it either. Every pod runs as the restricted
// Pod Security Standard asks (non-root, no privilege escalation, no capabilities, RuntimeDefault
// seccomp, read-only root), under the evaluator ServiceAccount (no RBAC) with no API token.
import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { encodeBatchRequest, TERMINATION_LOG, type BatchTrial } from '../evaluator/protocol.js';
import type { ExperimentSpec } from '../search/experiment/spec.js';
import { EVALUATOR_CONTAINER, type EvaluatorContainer } from '../search/experiment/template.js';
import {
  ANNOTATION_TRIALS,
  API_VERSION,
  LABEL_ATTEMPT,
  LABEL_BATCH,
  LABEL_EXPERIMENT,
  LABEL_GENERATION,
  LABEL_MANAGED_BY,
  MANAGED_BY,
  type ExperimentObject,
  type OwnerReference,
} from './types.js';

export const DEFAULT_EVALUATOR_IMAGE = 'rwenas:0.1.0';
/** The ServiceAccount of evaluator pods, created by the operator in each experiment's namespace. */
export const DEFAULT_EVALUATOR_SERVICE_ACCOUNT = 'rwenas-evaluator';
export const SCRATCH = '/rwenas-scratch';
/** Where the experiment's spec ConfigMap is mounted, and its one key. */
export const SPEC_DIR = '/rwenas-spec';
export const SPEC_KEY = 'experiment.json';
/** The user the evaluator image runs as (Dockerfile: USER 10001:10001). */
export const EVALUATOR_UID = 10001;

/** One evaluator Job: attempt `attempt` of batch `batch` of a generation. */
export interface JobRequest {
  readonly name: string;
  readonly generation: number;
  readonly batch: number;
  readonly attempt: number;
  /** The batch's trials that are not final yet. */
  readonly trials: readonly BatchTrial[];
}

export interface JobOptions {
  /** Image of the evaluator container when the template names none. */
  readonly image: string;
  /** ServiceAccount of evaluator pods (it needs, and has, no RBAC; its token is never mounted). */
  readonly serviceAccount: string;
  /** The ConfigMap holding the pod manifest (specConfigMap). */
  readonly specConfigMap: string;
  /** Seconds a finished Job (and its pod) is kept before Kubernetes deletes it (ttlSecondsAfterFinished). */
  readonly jobTtlSeconds?: number;
}

/** The pod security settings, forced: the template has no field that could change them. */
export const POD_SECURITY: Readonly<k8s.V1PodSecurityContext> = {
  runAsNonRoot: true,
  runAsUser: EVALUATOR_UID,
  runAsGroup: EVALUATOR_UID,
  fsGroup: EVALUATOR_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};
export const CONTAINER_SECURITY: Readonly<k8s.V1SecurityContext> = {
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The manifest an evaluator pod needs: apiVersion, kind, name and the resolved spec. */
export function podManifest(exp: ExperimentObject, spec: ExperimentSpec): string {
  return JSON.stringify({ apiVersion: API_VERSION, kind: 'NASExperiment', metadata: { name: exp.metadata.name, namespace: exp.metadata.namespace }, spec });
}

/**
 * The pod manifest as an immutable ConfigMap, mounted by every Job of the experiment (an env
 * value is limited to 128 KiB by the kernel; a ConfigMap holds 1 MiB). Its name carries a
 * digest of its content, so a spec change makes a new one and a Job always reads its own.
 */
export function specConfigMap(exp: ExperimentObject, spec: ExperimentSpec): k8s.V1ConfigMap {
  const manifest = podManifest(exp, spec);
  const digest = createHash('sha256').update(manifest).digest('hex').slice(0, 10);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `${exp.metadata.name}-spec-${digest}`,
      namespace: exp.metadata.namespace,
      labels: { [LABEL_EXPERIMENT]: exp.metadata.name, [LABEL_MANAGED_BY]: MANAGED_BY },
      ownerReferences: [ownerRef(exp)],
    },
    immutable: true,
    data: { [SPEC_KEY]: manifest },
  };
}

/** The evaluator ServiceAccount: no token mounted by default, and no RBAC is ever bound to it. */
export function evaluatorServiceAccount(namespace: string, name: string): k8s.V1ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels: { [LABEL_MANAGED_BY]: MANAGED_BY } }, automountServiceAccountToken: false };
}

function evaluatorContainer(user: EvaluatorContainer | undefined, req: JobRequest, options: JobOptions): k8s.V1Container {
  const env: k8s.V1EnvVar[] = [
    ...(user?.env ?? []).map((e) => ({ name: e.name, value: e.value ?? '' })),
    { name: 'RWENAS_SPEC_FILE', value: `${SPEC_DIR}/${SPEC_KEY}` },
    { name: 'RWENAS_BATCH', value: encodeBatchRequest(req.trials) },
    { name: 'RWENAS_JOB', value: req.name },
  ];
  const volumeMounts: k8s.V1VolumeMount[] = [
    ...(user?.volumeMounts ?? []).map((m) => ({ name: m.name, mountPath: m.mountPath, ...(m.readOnly !== undefined ? { readOnly: m.readOnly } : {}), ...(m.subPath ? { subPath: m.subPath } : {}) })),
    { name: 'rwenas-spec', mountPath: SPEC_DIR, readOnly: true },
  ];
  // The root filesystem is read-only: evaluators get a scratch directory as TMPDIR (its own
  // path rather than /tmp, which would hide anything the node keeps below /tmp), unless the
  // template names its own TMPDIR.
  if (!env.some((e) => e.name === 'TMPDIR')) {
    volumeMounts.push({ name: 'rwenas-scratch', mountPath: SCRATCH });
    env.push({ name: 'TMPDIR', value: SCRATCH });
  }
  return {
    name: EVALUATOR_CONTAINER,
    image: user?.image ?? options.image,
    ...(user?.imagePullPolicy ? { imagePullPolicy: user.imagePullPolicy } : {}),
    ...(user?.resources ? { resources: structuredClone(user.resources) as k8s.V1ResourceRequirements } : {}),
    command: ['rwenas'],
    args: ['evaluate', '--termination-log', TERMINATION_LOG],
    env,
    volumeMounts,
    terminationMessagePath: TERMINATION_LOG,
    // A crash before the result is written leaves its log tail as the message: the reason users see.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    securityContext: structuredClone(CONTAINER_SECURITY),
  };
}

// Only the three safe volume types are copied, whatever else a volume names (defence in depth:
// the schema refuses the others).
function safeVolume(v: Readonly<Record<string, unknown>>): k8s.V1Volume | undefined {
  const source = (['persistentVolumeClaim', 'configMap', 'emptyDir'] as const).find((k) => v[k] !== undefined && v[k] !== null);
  return source ? ({ name: String(v.name), [source]: structuredClone(v[source]) } as k8s.V1Volume) : undefined;
}

function podSpec(spec: ExperimentSpec, req: JobRequest, options: JobOptions): k8s.V1PodSpec {
  const t = spec.execution.template.spec ?? {};
  const container = evaluatorContainer(t.containers?.find((c) => c.name === EVALUATOR_CONTAINER), req, options);
  const volumes = [
    ...(t.volumes ?? []).map(safeVolume).filter((v): v is k8s.V1Volume => v !== undefined),
    { name: 'rwenas-spec', configMap: { name: options.specConfigMap, items: [{ key: SPEC_KEY, path: SPEC_KEY }] } },
    ...(container.volumeMounts!.some((m) => m.name === 'rwenas-scratch') ? [{ name: 'rwenas-scratch', emptyDir: {} }] : []),
  ];
  const copy = <T>(v: unknown): T => structuredClone(v) as T;
  return {
    containers: [container],
    volumes,
    ...(t.nodeSelector ? { nodeSelector: { ...t.nodeSelector } } : {}),
    ...(t.tolerations ? { tolerations: copy<k8s.V1Toleration[]>(t.tolerations) } : {}),
    ...(t.affinity ? { affinity: copy<k8s.V1Affinity>(t.affinity) } : {}),
    ...(t.priorityClassName ? { priorityClassName: t.priorityClassName } : {}),
    ...(t.imagePullSecrets ? { imagePullSecrets: t.imagePullSecrets.map((s) => ({ name: s.name })) } : {}),
    restartPolicy: 'Never',
    serviceAccountName: options.serviceAccount,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    hostNetwork: false,
    hostPID: false,
    hostIPC: false,
    securityContext: structuredClone(POD_SECURITY),
  };
}

export function buildJob(exp: ExperimentObject, spec: ExperimentSpec, req: JobRequest, options: JobOptions): k8s.V1Job {
  const labels = {
    [LABEL_EXPERIMENT]: exp.metadata.name,
    [LABEL_GENERATION]: String(req.generation),
    [LABEL_BATCH]: String(req.batch),
    [LABEL_ATTEMPT]: String(req.attempt),
    [LABEL_MANAGED_BY]: MANAGED_BY,
  };
  const meta = spec.execution.template.metadata ?? {};
  const pod: k8s.V1PodTemplateSpec = {
    metadata: { labels: { ...meta.labels, ...labels }, ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}) },
    spec: podSpec(spec, req, options),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: req.name,
      namespace: exp.metadata.namespace,
      labels,
      annotations: { [ANNOTATION_TRIALS]: req.trials.map((t) => t.name).join(',') },
      ownerReferences: [ownerRef(exp)],
    },
    spec: {
      // Retries are the operator's (one Job per attempt), so each attempt's result stays readable.
      backoffLimit: 0,
      // Except a pod disrupted by the cluster (evicted, preempted, its node drained or lost): no
      // fault of its genomes, so the Job starts a new pod without an attempt being spent.
      podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
      completions: 1,
      parallelism: 1,
      // A pod that never starts (image pull, scheduling, admission) or hangs fails its attempt.
      activeDeadlineSeconds: spec.execution.timeoutSeconds,
      // Finished Jobs and pods do not pile up against count/jobs.batch quotas; the results are in
      // the NASTrials by then (a Job deleted before it was read is evaluated again, with the same result).
      ...(options.jobTtlSeconds !== undefined ? { ttlSecondsAfterFinished: options.jobTtlSeconds } : {}),
      template: pod,
    },
  };
}

export function ownerRef(exp: ExperimentObject): OwnerReference {
  return { apiVersion: API_VERSION, kind: 'NASExperiment', name: exp.metadata.name, uid: exp.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export type JobState = 'Active' | 'Complete' | 'Failed';

export function jobState(job: k8s.V1Job): JobState {
  const c = job.status?.conditions ?? [];
  if (c.some((x) => x.type === 'Complete' && x.status === 'True')) return 'Complete';
  if (c.some((x) => x.type === 'Failed' && x.status === 'True')) return 'Failed';
  return 'Active';
}

/** Where a Job stands in the search: from its name, which is immutable (labels are not). */
export interface JobCoordinates {
  readonly generation: number;
  readonly batch: number;
  readonly attempt: number;
}

/** Whether an existing Job runs the evaluator `built` would (the API server adds defaults, never removes these). */
export function sameEvaluator(existing: k8s.V1Job, built: k8s.V1Job): boolean {
  const [a, b] = [existing.spec?.template.spec, built.spec?.template.spec];
  const [x, y] = [a?.containers.find((c) => c.name === EVALUATOR_CONTAINER), b?.containers.find((c) => c.name === EVALUATOR_CONTAINER)];
  const same = (p: unknown, q: unknown) => JSON.stringify(p ?? null) === JSON.stringify(q ?? null);
  return !!x && !!y && a?.containers.length === 1 && x.image === y.image && same(x.command, y.command) && same(x.args, y.args) && same(x.env, y.env) && a?.serviceAccountName === b?.serviceAccountName;
}

/** The coordinates in a Job name of `experiment` (jobName's pattern), or undefined for any other name. */
export function jobCoordinates(experiment: string, name: string | undefined): JobCoordinates | undefined {
  if (!name?.startsWith(`${experiment}-g`)) return undefined;
  const m = /^g(0|[1-9]\d{0,5})-b(0|[1-9]\d{0,5})-a(0|[1-9]\d{0,2})$/.exec(name.slice(experiment.length + 1));
  return m ? { generation: Number(m[1]), batch: Number(m[2]), attempt: Number(m[3]) } : undefined;
}

/** The Job's own coordinates; throws for a Job the gate should have left out. */
export function coordinatesOf(experiment: string, job: k8s.V1Job): JobCoordinates {
  const c = jobCoordinates(experiment, job.metadata?.name);
  if (!c) throw new Error(`Job ${job.metadata?.name} is not one of experiment ${experiment}'s`);
  return c;
}

/**
 * Whether `pod` is `job`'s own evaluator pod: its controller is the Job (owner uid, not a
 * label anyone could set), and it runs exactly the Job's evaluator: image, command, args, env
 * and volumes. A pod made to look like the Job's, or an edited one, is not read.
 */
export function isJobsPod(pod: k8s.V1Pod, job: k8s.V1Job): boolean {
  const uid = job.metadata?.uid;
  if (!uid || !(pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Job' && o.controller === true && o.uid === uid)) return false;
  const want = job.spec?.template.spec;
  const got = pod.spec;
  const evaluator = (spec: k8s.V1PodSpec | undefined) => spec?.containers.find((c) => c.name === EVALUATOR_CONTAINER);
  const [a, b] = [evaluator(want), evaluator(got)];
  if (!a || !b || got?.containers.length !== want?.containers.length) return false;
  const same = (x: unknown, y: unknown) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  return a.image === b.image && same(a.command, b.command) && same(a.args, b.args) && same(a.env, b.env) && same(a.volumeMounts, b.volumeMounts) && same(want?.volumes, got?.volumes);
}

/** The evaluator container's terminated state in a Job's pods, newest first. */
export function terminatedEvaluators(pods: readonly k8s.V1Pod[]): { pod: string; state: k8s.V1ContainerStateTerminated }[] {
  const out: { pod: string; state: k8s.V1ContainerStateTerminated; at: number }[] = [];
  for (const pod of pods) {
    const status = pod.status?.containerStatuses?.find((s) => s.name === EVALUATOR_CONTAINER);
    const term = status?.state?.terminated;
    if (term) out.push({ pod: pod.metadata?.name ?? '', state: term, at: term.finishedAt ? new Date(term.finishedAt).getTime() : 0 });
  }
  return out.sort((a, b) => b.at - a.at).map(({ pod, state }) => ({ pod, state }));
}
