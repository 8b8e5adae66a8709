// Every Kubernetes API call the operator makes, in one table. operator/kube.ts is the only
// module that talks to the API server and each of its requests names its entry here (the
// type checker holds it to that), so the Helm chart's RBAC can be generated from, and tested
// against, exactly this list: least privilege.

export interface ApiCall {
  /** API group; '' is the core group. */
  readonly group: string;
  /** Resource, with `/status` for the status subresource. */
  readonly resource: string;
  readonly verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
  /** `cluster`: in every watched namespace (a ClusterRole, or a Role per namespace with --namespace); `operator`: only the operator's own namespace (leader election). */
  readonly scope: 'cluster' | 'operator';
  readonly why: string;
}

export const API_CALLS = {
  listExperiments: { group: 'rwenas.dev', resource: 'nasexperiments', verb: 'list', scope: 'cluster', why: 'informer' },
  watchExperiments: { group: 'rwenas.dev', resource: 'nasexperiments', verb: 'watch', scope: 'cluster', why: 'informer' },
  patchExperimentStatus: { group: 'rwenas.dev', resource: 'nasexperiments/status', verb: 'patch', scope: 'cluster', why: 'write experiment status' },
  listTrials: { group: 'rwenas.dev', resource: 'nastrials', verb: 'list', scope: 'cluster', why: 'informer' },
  watchTrials: { group: 'rwenas.dev', resource: 'nastrials', verb: 'watch', scope: 'cluster', why: 'informer' },
  createTrial: { group: 'rwenas.dev', resource: 'nastrials', verb: 'create', scope: 'cluster', why: 'one NASTrial per genome' },
  getTrial: { group: 'rwenas.dev', resource: 'nastrials', verb: 'get', scope: 'cluster', why: 'on a name conflict: adopt only the experiment\'s own NASTrial' },
  patchTrial: { group: 'rwenas.dev', resource: 'nastrials', verb: 'patch', scope: 'cluster', why: 'restore the labels of an own NASTrial that lost them; label the whole Pareto front (rwenas.dev/front=true), as status.paretoFront is bounded' },
  patchTrialStatus: { group: 'rwenas.dev', resource: 'nastrials/status', verb: 'patch', scope: 'cluster', why: 'record results' },
  listJobs: { group: 'batch', resource: 'jobs', verb: 'list', scope: 'cluster', why: 'informer' },
  watchJobs: { group: 'batch', resource: 'jobs', verb: 'watch', scope: 'cluster', why: 'informer' },
  createJob: { group: 'batch', resource: 'jobs', verb: 'create', scope: 'cluster', why: 'evaluator Jobs' },
  getJob: { group: 'batch', resource: 'jobs', verb: 'get', scope: 'cluster', why: 'on a name conflict: adopt only the experiment\'s own Job' },
  deleteJob: { group: 'batch', resource: 'jobs', verb: 'delete', scope: 'cluster', why: 'stop running Jobs of a failed experiment' },
  listPods: { group: '', resource: 'pods', verb: 'list', scope: 'cluster', why: 'informer: termination messages' },
  watchPods: { group: '', resource: 'pods', verb: 'watch', scope: 'cluster', why: 'informer: termination messages' },
  createEvent: { group: '', resource: 'events', verb: 'create', scope: 'cluster', why: 'Events on experiments' },
  createServiceAccount: { group: '', resource: 'serviceaccounts', verb: 'create', scope: 'cluster', why: 'the evaluator ServiceAccount (no RBAC, no token) in an experiment namespace' },
  createConfigMap: { group: '', resource: 'configmaps', verb: 'create', scope: 'cluster', why: "an experiment's spec for its evaluator pods" },
  getConfigMap: { group: '', resource: 'configmaps', verb: 'get', scope: 'cluster', why: 'check that an existing spec ConfigMap is the experiment\'s own' },
  getLease: { group: 'coordination.k8s.io', resource: 'leases', verb: 'get', scope: 'operator', why: 'leader election' },
  createLease: { group: 'coordination.k8s.io', resource: 'leases', verb: 'create', scope: 'operator', why: 'leader election' },
  updateLease: { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', scope: 'operator', why: 'leader election' },
} as const satisfies Record<string, ApiCall>;

export type ApiCallName = keyof typeof API_CALLS;

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** RBAC rules for one scope: one rule per (group, resource), verbs sorted. */
export function rbacRules(scope: ApiCall['scope']): PolicyRule[] {
  const byResource = new Map<string, PolicyRule>();
  for (const call of Object.values(API_CALLS) as ApiCall[]) {
    if (call.scope !== scope) continue;
    const key = `${call.group}/${call.resource}`;
    const rule = byResource.get(key) ?? { apiGroups: [call.group], resources: [call.resource], verbs: [] };
    if (!rule.verbs.includes(call.verb)) rule.verbs.push(call.verb);
    byResource.set(key, rule);
  }
  return [...byResource.values()]
    .map((r) => ({ ...r, verbs: [...r.verbs].sort() }))
    .sort((a, b) => `${a.apiGroups[0]}/${a.resources[0]}`.localeCompare(`${b.apiGroups[0]}/${b.resources[0]}`));
}
