// The operator's only door to the API server. Each method names its entry of API_CALLS
// (operator/rbac.ts), so the RBAC the chart grants is exactly what is called here.
import * as k8s from '@kubernetes/client-node';
import { API_CALLS, type ApiCallName } from './rbac.js';
import { API_GROUP, API_VERSION_NAME, EXPERIMENT_PLURAL, TRIAL_PLURAL, type ExperimentObject, type ExperimentStatus, type TrialObject, type TrialStatus } from './types.js';

type Listed<T> = { items: T[]; metadata?: { resourceVersion?: string } };

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** HTTP status of an API error, or undefined for anything else (network, decoding). */
export function apiStatus(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : undefined;
}

/** The API server's message for an API error (its Status.message), else the error text. */
export function apiMessage(err: unknown): string {
  if (err instanceof k8s.ApiException) {
    const body = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
  }
  return err instanceof Error ? err.message : String(err);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class Kube {
  readonly custom: k8s.CustomObjectsApi;
  readonly batch: k8s.BatchV1Api;
  readonly core: k8s.CoreV1Api;
  readonly coordination: k8s.CoordinationV1Api;
  /** Calls made, by API_CALLS name (for the rwenas_api_requests_total metric). */
  onCall: (name: ApiCallName) => void = () => {};

  constructor(readonly kc: k8s.KubeConfig) {
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.batch = kc.makeApiClient(k8s.BatchV1Api);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  }

  private use(name: ApiCallName): void {
    void API_CALLS[name];
    this.onCall(name);
  }

  /** Watch paths for informers (the watch verb is used by the informer itself). */
  watchPath(kind: 'experiments' | 'trials' | 'jobs' | 'pods', namespace?: string): string {
    const ns = namespace ? `/namespaces/${namespace}` : '';
    this.use(kind === 'experiments' ? 'watchExperiments' : kind === 'trials' ? 'watchTrials' : kind === 'jobs' ? 'watchJobs' : 'watchPods');
    switch (kind) {
      case 'experiments':
        return `/apis/${API_GROUP}/${API_VERSION_NAME}${ns}/${EXPERIMENT_PLURAL}`;
      case 'trials':
        return `/apis/${API_GROUP}/${API_VERSION_NAME}${ns}/${TRIAL_PLURAL}`;
      case 'jobs':
        return `/apis/batch/v1${ns}/jobs`;
      case 'pods':
        return `/api/v1${ns}/pods`;
    }
  }

  private async listCustom<T>(plural: string, namespace: string | undefined, labelSelector: string | undefined): Promise<Listed<T>> {
    const common = { group: API_GROUP, version: API_VERSION_NAME, plural, labelSelector };
    return (namespace
      ? await this.custom.listNamespacedCustomObject({ ...common, namespace })
      : await this.custom.listCustomObjectForAllNamespaces(common)) as Listed<T>;
  }

  listExperiments(namespace?: string): Promise<Listed<ExperimentObject>> {
    this.use('listExperiments');
    return this.listCustom(EXPERIMENT_PLURAL, namespace, undefined);
  }

  listTrials(namespace: string | undefined, labelSelector: string): Promise<Listed<TrialObject>> {
    this.use('listTrials');
    return this.listCustom(TRIAL_PLURAL, namespace, labelSelector);
  }

  listJobs(namespace: string | undefined, labelSelector: string): Promise<k8s.V1JobList> {
    this.use('listJobs');
    return namespace ? this.batch.listNamespacedJob({ namespace, labelSelector }) : this.batch.listJobForAllNamespaces({ labelSelector });
  }

  listPods(namespace: string | undefined, labelSelector: string): Promise<k8s.V1PodList> {
    this.use('listPods');
    return namespace ? this.core.listNamespacedPod({ namespace, labelSelector }) : this.core.listPodForAllNamespaces({ labelSelector });
  }

  async patchExperimentStatus(namespace: string, name: string, status: ExperimentStatus | Record<string, unknown>): Promise<ExperimentObject> {
    this.use('patchExperimentStatus');
    return (await this.custom.patchNamespacedCustomObjectStatus(
      { group: API_GROUP, version: API_VERSION_NAME, plural: EXPERIMENT_PLURAL, namespace, name, body: { status } },
      merge,
    )) as ExperimentObject;
  }

  async createTrial(trial: TrialObject): Promise<TrialObject> {
    this.use('createTrial');
    const namespace = trial.metadata.namespace ?? 'default';
    return (await this.custom.createNamespacedCustomObject({ group: API_GROUP, version: API_VERSION_NAME, plural: TRIAL_PLURAL, namespace, body: trial })) as TrialObject;
  }

  async patchTrialStatus(namespace: string, name: string, status: TrialStatus): Promise<TrialObject> {
    this.use('patchTrialStatus');
    return (await this.custom.patchNamespacedCustomObjectStatus(
      { group: API_GROUP, version: API_VERSION_NAME, plural: TRIAL_PLURAL, namespace, name, body: { status } },
      merge,
    )) as TrialObject;
  }

  createJob(namespace: string, job: k8s.V1Job): Promise<k8s.V1Job> {
    this.use('createJob');
    return this.batch.createNamespacedJob({ namespace, body: job });
  }

  deleteJob(namespace: string, name: string): Promise<unknown> {
    this.use('deleteJob');
    return this.batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' });
  }

  createServiceAccount(namespace: string, account: k8s.V1ServiceAccount): Promise<k8s.V1ServiceAccount> {
    this.use('createServiceAccount');
    return this.core.createNamespacedServiceAccount({ namespace, body: account });
  }

  createConfigMap(namespace: string, map: k8s.V1ConfigMap): Promise<k8s.V1ConfigMap> {
    this.use('createConfigMap');
    return this.core.createNamespacedConfigMap({ namespace, body: map });
  }

  getConfigMap(namespace: string, name: string): Promise<k8s.V1ConfigMap> {
    this.use('getConfigMap');
    return this.core.readNamespacedConfigMap({ namespace, name });
  }

  createEvent(namespace: string, event: k8s.CoreV1Event): Promise<k8s.CoreV1Event> {
    this.use('createEvent');
    return this.core.createNamespacedEvent({ namespace, body: event });
  }

  getLease(namespace: string, name: string): Promise<k8s.V1Lease> {
    this.use('getLease');
    return this.coordination.readNamespacedLease({ namespace, name });
  }

  createLease(namespace: string, lease: k8s.V1Lease): Promise<k8s.V1Lease> {
    this.use('createLease');
    return this.coordination.createNamespacedLease({ namespace, body: lease });
  }

  updateLease(namespace: string, lease: k8s.V1Lease): Promise<k8s.V1Lease> {
    this.use('updateLease');
    return this.coordination.replaceNamespacedLease({ namespace, name: lease.metadata!.name!, body: lease });
  }
}
