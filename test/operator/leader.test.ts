// Leader election and status preconditions on the real control plane (test/k8s):
//  - a leader whose lease requests hang (its connection to the API server blackholed by a
//    proxy) steps down within its renew deadline, before a standby can take the lease;
//  - a stale leader's status writes are refused (409 on the resourceVersion precondition);
//  - a closed write fence stops reconcile writes before they reach the API server, and
//    Operator.stop closes it before it hands the lease back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { defaultOptions, Operator } from '../../operator/controller.js';
import { createLogger } from '../../operator/log.js';
import { Kube, NotLeading, StaleWrite } from '../../operator/kube.js';
import { LeaderElector } from '../../operator/leader.js';
import { Metrics } from '../../operator/metrics.js';
import { Reconciler } from '../../operator/reconcile.js';
import type { ExperimentObject, TrialObject } from '../../operator/types.js';
import { createNamespace, deleteNamespace, k8sSkip, kubeConfig, kubectlOk, waitFor } from '../k8s/cluster.js';
import { applyManifest, experiment, installCrds, tableExperiment } from './harness.js';

const log = createLogger('error');
const namespaces: string[] = [];

/** A TCP proxy to the API server that can be blackholed: connections stay open, nothing passes. */
class Blackhole {
  private holed = false;
  private readonly sockets = new Set<Socket>();
  private server!: Server;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => this.sockets.delete(s));
      }
      client.on('data', (d) => this.holed || upstream.write(d));
      upstream.on('data', (d) => this.holed || client.write(d));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  hole(): void {
    this.holed = true;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** The test cluster's kubeconfig, pointed at the proxy. */
function throughProxy(kc: KubeConfig, port: number): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromString(kc.exportConfig());
  const server = new URL(copy.getCurrentCluster()!.server);
  server.host = `127.0.0.1:${port}`;
  const clusters = copy.clusters.map((c) => (c.name === copy.getCurrentCluster()!.name ? { ...c, server: server.toString().replace(/\/$/, '') } : c));
  copy.loadFromOptions({ clusters, users: copy.users, contexts: copy.contexts, currentContext: copy.currentContext });
  return copy;
}

describe('leader election and status preconditions (real control plane)', { skip: k8sSkip }, () => {
  before(async () => {
    await installCrds();
  });
  after(async () => {
    for (const ns of namespaces) await deleteNamespace(ns);
  });

  test('a leader whose lease requests hang steps down within its renew deadline, before the standby leads', async () => {
    const ns = await createNamespace('leader-hang');
    namespaces.push(ns);
    const kc = kubeConfig();
    const api = new URL(kc.getCurrentCluster()!.server);
    const proxy = new Blackhole({ host: api.hostname, port: Number(api.port || 443) });
    await proxy.start();
    const order: string[] = [];
    const o = { namespace: ns, name: 'lease', leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };
    const a = new LeaderElector(new Kube(throughProxy(kc, proxy.port)), { ...o, identity: 'a' }, log, () => order.push('a leads'), () => order.push('a stopped'));
    const b = new LeaderElector(new Kube(kc), { ...o, identity: 'b' }, log, () => order.push('b leads'), () => order.push('b stopped'));
    try {
      a.start();
      await waitFor('a leads', () => a.isLeader, { timeoutMs: 20_000 });
      b.start();
      proxy.hole();
      await waitFor('b leads', () => b.isLeader, { timeoutMs: 30_000, intervalMs: 50 });
      assert.equal(a.isLeader, false, 'a must not believe it leads while b does');
      assert.deepEqual(order, ['a leads', 'a stopped', 'b leads'], 'a stepped down before b took the lease');
      const lease = JSON.parse(await kubectlOk(['get', 'lease', 'lease', '-n', ns, '-o', 'json']));
      assert.equal(lease.spec.holderIdentity, 'b');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await proxy.stop();
    }
  });

  test("a stale leader's experiment status write is refused (409 on its resourceVersion)", async () => {
    const ns = await createNamespace('leader-stale');
    namespaces.push(ns);
    const m = tableExperiment('stale', { population: 4, generations: 0 }) as { spec: Record<string, unknown> };
    m.spec.suspend = true; // no Jobs: only the status write matters here
    await applyManifest(ns, m);
    const kube = new Kube(kubeConfig());
    const stale = (await kube.custom.getNamespacedCustomObject({ group: 'rwenas.dev', version: 'v1alpha1', plural: 'nasexperiments', namespace: ns, name: 'stale' })) as ExperimentObject;
    // The new leader writes the status after the old one read the experiment.
    await kubectlOk(['patch', 'nasexperiment', 'stale', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running","generation":0}}']);
    const reconciler = new Reconciler(kube, new Metrics(() => 0), log, { image: 'rwenas:test', serviceAccount: 'rwenas-evaluator', identity: 'stale' });
    await assert.rejects(reconciler.reconcile({ exp: stale, trials: [], jobs: [], pods: [] }), StaleWrite);
    const now = await experiment(ns, 'stale');
    assert.equal(now.status.phase, 'Running', "the other writer's status stands");
    assert.equal(now.status.lockedSpec, undefined, "nothing of the stale leader's status was written");
    // From a fresh view the same reconcile writes.
    const fresh = (await kube.custom.getNamespacedCustomObject({ group: 'rwenas.dev', version: 'v1alpha1', plural: 'nasexperiments', namespace: ns, name: 'stale' })) as ExperimentObject;
    await reconciler.reconcile({ exp: fresh, trials: [], jobs: [], pods: [] });
    assert.equal((await experiment(ns, 'stale')).status.phase, 'Suspended');
  });

  test("a stale NASTrial status write is refused; a closed write fence sends nothing", async () => {
    const ns = await createNamespace('leader-trial');
    namespaces.push(ns);
    const kube = new Kube(kubeConfig());
    const trial: TrialObject = {
      apiVersion: 'rwenas.dev/v1alpha1', kind: 'NASTrial',
      metadata: { name: 't1', namespace: ns, labels: { 'rwenas.dev/experiment': 'x' } },
      spec: { experiment: 'x', searchSpace: 'nb201', genome: '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|', genomeHash: '0123456789abcdef', generation: 0 },
    };
    const made = await kube.createTrial(trial);
    const running = await kube.patchTrialStatus(ns, 't1', { phase: 'Running', job: 'j', attempts: 1 }, made.metadata.resourceVersion);
    await assert.rejects(kube.patchTrialStatus(ns, 't1', { phase: 'Succeeded', objectives: { error: 0.0001 } }, made.metadata.resourceVersion), StaleWrite);
    kube.mayWrite = () => false;
    await assert.rejects(kube.patchTrialStatus(ns, 't1', { phase: 'Failed' }, running.metadata.resourceVersion), NotLeading);
    const now = JSON.parse(await kubectlOk(['get', 'nastrial', 't1', '-n', ns, '-o', 'json']));
    assert.deepEqual([now.status.phase, now.metadata.resourceVersion], ['Running', running.metadata.resourceVersion]);
  });

  test('Operator.stop closes the write fence before it hands the lease back', async () => {
    const ns = await createNamespace('leader-fence');
    namespaces.push(ns);
    const op = new Operator(kubeConfig(), {
      ...defaultOptions(), namespaces: [ns], metricsAddr: '127.0.0.1:0', probeAddr: '127.0.0.1:0', ui: false,
      leaderElect: true, leaseNamespace: ns, leaseName: 'fence', identity: 'fence', leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300,
    }, log);
    const fenceAtRelease: boolean[] = [];
    const update = op.kube.updateLease.bind(op.kube);
    op.kube.updateLease = (n, lease, signal) => {
      if (lease.spec?.holderIdentity === '') fenceAtRelease.push(op.kube.mayWrite());
      return update(n, lease, signal);
    };
    await op.start();
    await waitFor('the operator leads', () => op.isLeader, { timeoutMs: 20_000 });
    assert.equal(op.kube.mayWrite(), true, 'a leader writes');
    await op.stop();
    assert.deepEqual(fenceAtRelease, [false], 'the lease was handed back once, with the fence already closed');
    const lease = JSON.parse(await kubectlOk(['get', 'lease', 'fence', '-n', ns, '-o', 'json']));
    assert.equal(lease.spec.holderIdentity ?? '', '');
    await assert.rejects(async () => op.kube.createEvent(ns, { metadata: { generateName: 'x.' }, involvedObject: {} }), NotLeading);
  });
});
