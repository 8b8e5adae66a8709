// Evaluator Jobs: built from the user's pod template, with the operator owning only the
// `evaluator` container's command, args, env and termination-message settings, and with
// the pod hardened (no service-account token, non-root, read-only root, no capabilities).
import type * as k8s from '@kubernetes/client-node';
import { encodeBatchRequest, TERMINATION_LOG, type BatchTrial } from '../evaluator/protocol.js';
import type { ExperimentSpec } from '../search/experiment/spec.js';
import {
  ANNOTATION_TRIALS,
  API_VERSION,
  EVALUATOR_CONTAINER,
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
export const SCRATCH = '/rwenas-scratch';

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
  image: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The manifest an evaluator pod needs (RWENAS_SPEC): apiVersion, kind, name and the resolved spec. */
export function podManifest(exp: ExperimentObject, spec: ExperimentSpec): string {
  return JSON.stringify({ apiVersion: API_VERSION, kind: 'NASExperiment', metadata: { name: exp.metadata.name, namespace: exp.metadata.namespace }, spec });
}

export function buildJob(exp: ExperimentObject, spec: ExperimentSpec, req: JobRequest, options: JobOptions): k8s.V1Job {
  const labels = {
    [LABEL_EXPERIMENT]: exp.metadata.name,
    [LABEL_GENERATION]: String(req.generation),
    [LABEL_BATCH]: String(req.batch),
    [LABEL_ATTEMPT]: String(req.attempt),
    [LABEL_MANAGED_BY]: MANAGED_BY,
  };
  const template = structuredClone(spec.execution.template) as Record<string, unknown>;
  const meta = isObj(template.metadata) ? template.metadata : {};
  const podSpec = (isObj(template.spec) ? template.spec : {}) as k8s.V1PodSpec & Record<string, unknown>;
  const containers = Array.isArray(podSpec.containers) ? [...podSpec.containers] : [];
  let index = containers.findIndex((c) => c?.name === EVALUATOR_CONTAINER);
  if (index < 0) {
    containers.push({ name: EVALUATOR_CONTAINER });
    index = containers.length - 1;
  }
  const user = containers[index];
  const batchJson = encodeBatchRequest(req.trials);
  const ours = new Set(['RWENAS_SPEC', 'RWENAS_BATCH', 'RWENAS_JOB']);
  const env: k8s.V1EnvVar[] = [
    ...(user.env ?? []).filter((e) => !ours.has(e.name)),
    { name: 'RWENAS_SPEC', value: podManifest(exp, spec) },
    { name: 'RWENAS_BATCH', value: batchJson },
    { name: 'RWENAS_JOB', value: req.name },
  ];
  const volumeMounts = [...(user.volumeMounts ?? [])];
  const volumes = [...(podSpec.volumes ?? [])];
  // The root filesystem is read-only: evaluators get a scratch directory as TMPDIR (its own
  // path rather than /tmp, which would hide anything the node keeps below /tmp).
  if (!env.some((e) => e.name === 'TMPDIR')) {
    volumeMounts.push({ name: 'rwenas-scratch', mountPath: SCRATCH });
    volumes.push({ name: 'rwenas-scratch', emptyDir: {} });
    env.push({ name: 'TMPDIR', value: SCRATCH });
  }
  containers[index] = {
    ...user,
    name: EVALUATOR_CONTAINER,
    image: user.image ?? options.image,
    command: ['rwenas'],
    args: ['evaluate', '--termination-log', TERMINATION_LOG],
    env,
    volumeMounts,
    terminationMessagePath: TERMINATION_LOG,
    // A crash before the result is written leaves its log tail as the message: the reason users see.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    securityContext: {
      ...user.securityContext,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: user.securityContext?.readOnlyRootFilesystem ?? true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
  };
  const pod: k8s.V1PodTemplateSpec = {
    metadata: { ...meta, labels: { ...(isObj(meta.labels) ? (meta.labels as Record<string, string>) : {}), ...labels } },
    spec: {
      ...podSpec,
      containers,
      volumes,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        ...podSpec.securityContext,
        runAsNonRoot: true,
        runAsUser: podSpec.securityContext?.runAsUser ?? 65532,
        seccompProfile: podSpec.securityContext?.seccompProfile ?? { type: 'RuntimeDefault' },
      },
    },
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
      completions: 1,
      parallelism: 1,
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

/** Trial names of a Job's batch, from its annotation. */
export function jobTrials(job: k8s.V1Job): string[] {
  const text = job.metadata?.annotations?.[ANNOTATION_TRIALS] ?? '';
  return text === '' ? [] : text.split(',');
}

export function jobLabelNumber(job: k8s.V1Job, label: string): number {
  return Number(job.metadata?.labels?.[label] ?? NaN);
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
