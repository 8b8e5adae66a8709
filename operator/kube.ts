// The operator's only door to the API server. Each method names its entry of API_CALLS
// (operator/rbac.ts), so the RBAC the chart grants is exactly what is called here.
import * as k8s from '@kubernetes/client-node';
import { API_CALLS, type ApiCallName } from './rbac.js';
import { API_GROUP, API_VERSION_NAME, EXPERIMENT_PLURAL, TRIAL_PLURAL, type ExperimentObject, type ExperimentStatus, type TrialObject, type TrialStatus } from './types.js';

type Listed<T> = { items: T[]; metadata?: { resourceVersion?: string } };

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** Request options that abort the request (connect, headers and body) when `signal` fires. */
export function withSignal(signal: AbortSignal, base?: k8s.ConfigurationOptions): k8s.ConfigurationOptions {
  const middleware: k8s.ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(signal);
      return new k8s.Observable(Promise.resolve(ctx));
    },
    post: (res) => new k8s.Observable(Promise.resolve(res)),
  };
  return { ...base, middleware: [...(base?.middleware ?? []), middleware], middlewareMergeStrategy: 'append' };
}

/** The API server refused a write because the object changed since it was read (409 on a resourceVersion precondition). */
export class StaleWrite extends Error {
  constructor(what: string) {
    super(`${what} changed since it was read (resourceVersion precondition failed): retrying from a fresh view`);
  }
}

/** A reconcile write attempted while this replica does not lead (the fence is closed). */
export class NotLeading extends Error {
  constructor(call: string) {
    super(`${call} refused: this replica no longer leads`);
  }
}

/** HTTP status of an API error, or undefined for anything else (network, decoding). */
export function apiStatus(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : undefined;
}

/**
 * Whether an error is the API's or the network's (an HTTP status, a refused, reset or timed-out
 * connection) rather than the search's: such a fault passes, so it is retried, never a verdict.
 */
export function isApiFault(err: unknown, depth = 0): boolean {
  if (err instanceof k8s.ApiException || err instanceof StaleWrite || err instanceof NotLeading) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (['AbortError', 'TimeoutError', 'FetchError'].includes(err.name) || (typeof code === 'string' && /^E[A-Z]+$/.test(code))) return true;
  // Wrapped with its context (`writing status of ...`, { cause }).
  return depth < 4 && err.cause !== undefined && isApiFault(err.cause, depth + 1);
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

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete']);

export class Kube {
  readonly custom: k8s.CustomObjectsApi;
  readonly batch: k8s.BatchV1Api;
  readonly core: k8s.CoreV1Api;
  readonly coordination: k8s.CoordinationV1Api;
  /** Calls made, by API_CALLS name (for the rwenas_api_requests_total metric). */
  onCall: (name: ApiCallName) => void = () => {};
  /**
   * Whether reconcile writes may go out now. The leader closes it before it releases or can
   * lose its lease, so a reconcile still in flight stops at its next write instead of racing
   * the next leader (lease calls are not fenced).
   */
  mayWrite: () => boolean = () => true;

  constructor(readonly kc: k8s.KubeConfig) {
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.batch = kc.makeApiClient(k8s.BatchV1Api);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  }

  private use(name: ApiCallName): void {
    const call = API_CALLS[name];
    if (call.scope === 'cluster' && WRITE_VERBS.has(call.verb) && !this.mayWrite()) throw new NotLeading(name);
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

  /**
   * Objects per LIST page. Informers list everything once (and again after a watch expires):
   * pages of `limit` with `continue` keep each response small (100k NASTrials are ~190 MiB
   * as one response) and are one consistent snapshot, whose resourceVersion the last page carries.
   */
  pageSize = 500;

  private async paginate<T>(name: ApiCallName, page: (o: { limit: number; _continue?: string }) => Promise<unknown>): Promise<Listed<T>> {
    const items: T[] = [];
    let token: string | undefined;
    let last: Listed<T> & { apiVersion?: string; kind?: string; metadata?: { resourceVersion?: string; continue?: string } };
    do {
      this.use(name);
      last = (await page({ limit: this.pageSize, ...(token ? { _continue: token } : {}) })) as typeof last;
      for (const item of last.items) items.push(item);
      token = last.metadata?.continue || undefined;
    } while (token);
    return { ...last, items, metadata: { resourceVersion: last.metadata?.resourceVersion } };
  }

  private listCustom<T>(name: ApiCallName, plural: string, namespace: string | undefined, labelSelector: string | undefined): Promise<Listed<T>> {
    const common = { group: API_GROUP, version: API_VERSION_NAME, plural, labelSelector };
    return this.paginate<T>(name, (p) => (namespace ? this.custom.listNamespacedCustomObject({ ...common, ...p, namespace }) : this.custom.listCustomObjectForAllNamespaces({ ...common, ...p })));
  }

  listExperiments(namespace?: string): Promise<Listed<ExperimentObject>> {
    return this.listCustom('listExperiments', EXPERIMENT_PLURAL, namespace, undefined);
  }

  listTrials(namespace: string | undefined, labelSelector: string): Promise<Listed<TrialObject>> {
    return this.listCustom('listTrials', TRIAL_PLURAL, namespace, labelSelector);
  }

  async listJobs(namespace: string | undefined, labelSelector: string): Promise<k8s.V1JobList> {
    return (await this.paginate<k8s.V1Job>('listJobs', (p) => (namespace ? this.batch.listNamespacedJob({ namespace, labelSelector, ...p }) : this.batch.listJobForAllNamespaces({ labelSelector, ...p })))) as k8s.V1JobList;
  }

  async listPods(namespace: string | undefined, labelSelector: string): Promise<k8s.V1PodList> {
    return (await this.paginate<k8s.V1Pod>('listPods', (p) => (namespace ? this.core.listNamespacedPod({ namespace, labelSelector, ...p }) : this.core.listPodForAllNamespaces({ labelSelector, ...p })))) as k8s.V1PodList;
  }

  /**
   * Merge-patches the status, refused (StaleWrite) unless the object is still at
   * `resourceVersion`: a replica acting on an old view (a stale leader, a lagging cache)
   * cannot overwrite what another wrote since.
   */
  async patchExperimentStatus(namespace: string, name: string, status: ExperimentStatus | Record<string, unknown>, resourceVersion: string | undefined): Promise<ExperimentObject> {
    this.use('patchExperimentStatus');
    return preconditioned(`NASExperiment ${namespace}/${name}`, async () => (await this.custom.patchNamespacedCustomObjectStatus(
      { group: API_GROUP, version: API_VERSION_NAME, plural: EXPERIMENT_PLURAL, namespace, name, body: { metadata: precondition(resourceVersion), status } },
      merge,
    )) as ExperimentObject);
  }

  async createTrial(trial: TrialObject): Promise<TrialObject> {
    this.use('createTrial');
    const namespace = trial.metadata.namespace ?? 'default';
    return (await this.custom.createNamespacedCustomObject({ group: API_GROUP, version: API_VERSION_NAME, plural: TRIAL_PLURAL, namespace, body: trial })) as TrialObject;
  }

  async getTrial(namespace: string, name: string): Promise<TrialObject> {
    this.use('getTrial');
    return (await this.custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION_NAME, plural: TRIAL_PLURAL, namespace, name })) as TrialObject;
  }

  /** Sets (a string) or removes (null) labels of a NASTrial. */
  async patchTrialLabels(namespace: string, name: string, labels: Record<string, string | null>): Promise<TrialObject> {
    this.use('patchTrial');
    return (await this.custom.patchNamespacedCustomObject({ group: API_GROUP, version: API_VERSION_NAME, plural: TRIAL_PLURAL, namespace, name, body: { metadata: { labels } } }, merge)) as TrialObject;
  }

  getJob(namespace: string, name: string): Promise<k8s.V1Job> {
    this.use('getJob');
    return this.batch.readNamespacedJob({ namespace, name });
  }

  /** Merge-patches a NASTrial's status with the same resourceVersion precondition. */
  async patchTrialStatus(namespace: string, name: string, status: TrialStatus, resourceVersion: string | undefined): Promise<TrialObject> {
    this.use('patchTrialStatus');
    return preconditioned(`NASTrial ${namespace}/${name}`, async () => (await this.custom.patchNamespacedCustomObjectStatus(
      { group: API_GROUP, version: API_VERSION_NAME, plural: TRIAL_PLURAL, namespace, name, body: { metadata: precondition(resourceVersion), status } },
      merge,
    )) as TrialObject);
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

  /** Lease calls take the attempt's signal: a request that hangs must not hold up the renew deadline. */
  getLease(namespace: string, name: string, signal: AbortSignal): Promise<k8s.V1Lease> {
    this.use('getLease');
    return this.coordination.readNamespacedLease({ namespace, name }, withSignal(signal));
  }

  createLease(namespace: string, lease: k8s.V1Lease, signal: AbortSignal): Promise<k8s.V1Lease> {
    this.use('createLease');
    return this.coordination.createNamespacedLease({ namespace, body: lease }, withSignal(signal));
  }

  updateLease(namespace: string, lease: k8s.V1Lease, signal: AbortSignal): Promise<k8s.V1Lease> {
    this.use('updateLease');
    return this.coordination.replaceNamespacedLease({ namespace, name: lease.metadata!.name!, body: lease }, withSignal(signal));
  }
}

/** `metadata` of a patch that carries a resourceVersion precondition (none when unknown). */
function precondition(resourceVersion: string | undefined): { resourceVersion?: string } {
  return resourceVersion ? { resourceVersion } : {};
}

async function preconditioned<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (apiStatus(err) === 409) throw new StaleWrite(what);
    throw err;
  }
}
