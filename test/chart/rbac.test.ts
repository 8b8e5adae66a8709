// Least privilege: the chart's ClusterRole grants exactly the cluster-scoped API calls listed in
// operator/rbac.ts (API_CALLS, which operator/kube.ts must name for every request), and its
// Role exactly the operator-namespace ones (the leader-election Lease). Nothing more, nothing
// less; evaluator pods get no token.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { buildJob } from '../../operator/jobs.js';
import { API_CALLS, type ApiCall } from '../../operator/rbac.js';
import { resolveManifest } from '../../search/experiment/load.js';
import { findTool, one, render, unavailable, type Manifest } from './tools.js';

type Triple = string; // group/resource:verb

function granted(rules: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[]): Triple[] {
  const out = new Set<Triple>();
  for (const r of rules) {
    assert.equal(r.resourceNames, undefined, 'rules are compared without resourceNames');
    for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) {
      assert.notEqual(v, '*', 'wildcard verb');
      assert.notEqual(res, '*', 'wildcard resource');
      out.add(`${g}/${res}:${v}`);
    }
  }
  return [...out].sort();
}

function used(scope: ApiCall['scope']): Triple[] {
  return [...new Set((Object.values(API_CALLS) as ApiCall[]).filter((c) => c.scope === scope).map((c) => `${c.group}/${c.resource}:${c.verb}`))].sort();
}

describe('chart RBAC', { skip: unavailable('helm', !findTool('helm')) }, () => {
  const ms: Manifest[] = findTool('helm') ? render() : [];

  test('ClusterRole = the operator\'s cluster-scoped API calls', () => {
    assert.deepEqual(granted(one(ms, 'ClusterRole').rules), used('cluster'));
  });

  test('Role (release namespace) = the leader-election calls', () => {
    const role = one(ms, 'Role', '-leader-election');
    assert.equal(role.metadata.namespace, 'rwenas-system');
    assert.deepEqual(granted(role.rules), used('operator'));
  });

  test('bindings tie the roles to the operator ServiceAccount only', () => {
    const sa = one(ms, 'ServiceAccount');
    for (const [binding, role, suffix] of [['ClusterRoleBinding', 'ClusterRole', '-operator'], ['RoleBinding', 'Role', '-leader-election']]) {
      const b = one(ms, binding, suffix);
      assert.deepEqual(b.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: role, name: one(ms, role, suffix).metadata.name });
      assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'rwenas-system' }]);
    }
    const pod = one(ms, 'Deployment').spec.template.spec;
    assert.equal(pod.serviceAccountName, sa.metadata.name);
  });

  test('evaluator pods get no API token and never the operator\'s account', () => {
    const template = parse(one(ms, 'ConfigMap', '-evaluator-template').data['template.yaml']);
    const manifest = resolveManifest({ apiVersion: 'rwenas.dev/v1alpha1', kind: 'NASExperiment', metadata: { name: 'e' }, spec: { searchSpace: { name: 'nb201' }, execution: { template } } });
    const args: string[] = one(ms, 'Deployment').spec.template.spec.containers[0].args;
    const account = args[args.indexOf('--evaluator-service-account') + 1];
    const job = buildJob({ metadata: { name: 'e', namespace: 'n', uid: 'u' } }, manifest.spec, { name: 'j', generation: 0, batch: 0, attempt: 0, trials: [] }, { image: 'i', serviceAccount: account, specConfigMap: 'c' });
    const pod = job.spec!.template.spec!;
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.serviceAccountName, 'rwenas-evaluator');
    assert.notEqual(pod.serviceAccountName, one(ms, 'ServiceAccount').metadata.name, 'evaluators must not run as the operator');
  });

  test('operator.watchNamespaces: a Role and RoleBinding in each namespace, --namespace a,b, and no ClusterRole', () => {
    const watched = render(['--set', 'operator.watchNamespaces={team-a,team-b}']);
    assert.ok(!watched.some((m) => m.kind.startsWith('Cluster')), 'no cluster-wide grant');
    for (const ns of ['team-a', 'team-b']) {
      const role = watched.find((m) => m.kind === 'Role' && m.metadata.name.endsWith('-operator') && m.metadata.namespace === ns);
      assert.ok(role, `a Role in ${ns}`);
      assert.deepEqual(granted(role.rules), used('cluster'));
      const binding = watched.find((m) => m.kind === 'RoleBinding' && m.metadata.name.endsWith('-operator') && m.metadata.namespace === ns);
      assert.deepEqual(binding?.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    }
    const args: string[] = one(watched, 'Deployment').spec.template.spec.containers[0].args;
    assert.equal(args[args.indexOf('--namespace') + 1], 'team-a,team-b');
  });

  test('operator.watchNamespace: the same rules as a Role in that namespace, and no ClusterRole', () => {
    const watched = render(['--set', 'operator.watchNamespace=team-a']);
    assert.ok(!watched.some((m) => m.kind.startsWith('Cluster')), 'no cluster-wide grant');
    const role = one(watched, 'Role', '-operator');
    assert.equal(role.metadata.namespace, 'team-a');
    assert.deepEqual(granted(role.rules), used('cluster'));
    const binding = one(watched, 'RoleBinding', '-operator');
    assert.equal(binding.metadata.namespace, 'team-a');
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    const args: string[] = one(watched, 'Deployment').spec.template.spec.containers[0].args;
    assert.equal(args[args.indexOf('--namespace') + 1], 'team-a');
  });

  test('rbac.create=false renders no RBAC objects', () => {
    const kinds = render(['--set', 'rbac.create=false']).map((m) => m.kind);
    for (const k of ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']) assert.ok(!kinds.includes(k), k);
  });
});
