// The running operator: informers fill caches and enqueue experiment keys, workers take
// keys off the rate-limited queue and reconcile them (only while this replica leads),
// express serves /metrics and the probes, and SIGTERM shuts all of it down in order.
import * as k8s from '@kubernetes/client-node';
import express from 'express';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { Logger } from 'winston';
import { Kube, NotLeading, StaleWrite } from './kube.js';
import { LeaderElector } from './leader.js';
import { createLogger } from './log.js';
import { Metrics } from './metrics.js';
import { Reconciler } from './reconcile.js';
import { LABEL_EXPERIMENT, type ExperimentObject, type TrialObject } from './types.js';
import { uiRouter } from './ui.js';
import { WorkQueue } from './workqueue.js';
import { DEFAULT_EVALUATOR_IMAGE, DEFAULT_EVALUATOR_SERVICE_ACCOUNT } from './jobs.js';

export interface OperatorOptions {
  /** Watch these namespaces (each with its own informers, so a Role per namespace suffices); empty = all. */
  namespaces: readonly string[];
  metricsAddr: string;
  probeAddr: string;
  leaderElect: boolean;
  leaseName: string;
  leaseNamespace: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  image: string;
  /** ServiceAccount of evaluator pods, created in each experiment namespace. */
  evaluatorServiceAccount: string;
  /** Seconds finished evaluator Jobs are kept. */
  jobTtlSeconds: number;
  workers: number;
  resyncMs: number;
  /** Serve the read-only experiment pages (operator/ui.ts) on the metrics port. */
  ui: boolean;
}

export function defaultOptions(): OperatorOptions {
  return {
    namespaces: [],
    metricsAddr: ':8080',
    probeAddr: ':8081',
    leaderElect: false,
    leaseName: 'rwenas-operator',
    leaseNamespace: process.env.POD_NAMESPACE ?? 'default',
    identity: process.env.POD_NAME ?? `${hostname()}_${process.pid}`,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    image: process.env.RWENAS_EVALUATOR_IMAGE ?? DEFAULT_EVALUATOR_IMAGE,
    evaluatorServiceAccount: DEFAULT_EVALUATOR_SERVICE_ACCOUNT,
    jobTtlSeconds: 3600,
    workers: 4,
    resyncMs: 30_000,
    ui: true,
  };
}

type Informer<T extends k8s.KubernetesObject> = k8s.Informer<T> & k8s.ObjectCache<T>;

/** `:8080`, `8080` or `host:port` to [host, port]. */
export function parseAddr(addr: string): [string | undefined, number] {
  const m = /^(?:(.*):)?(\d+)$/.exec(addr);
  if (!m) throw new Error(`address ${JSON.stringify(addr)}: expected :PORT or HOST:PORT`);
  return [m[1] || undefined, Number(m[2])];
}

/** The caches of one kind over the watched namespaces: each object is in exactly one. */
class Caches<T extends k8s.KubernetesObject> {
  constructor(private readonly parts: readonly Informer<T>[]) {}

  get(name: string, namespace: string): T | undefined {
    for (const p of this.parts) {
      const found = p.get(name, namespace);
      if (found) return found;
    }
    return undefined;
  }

  list(namespace?: string): T[] {
    return this.parts.flatMap((p) => p.list(namespace));
  }
}

export class Operator {
  readonly log: Logger;
  readonly kube: Kube;
  readonly queue = new WorkQueue();
  readonly metrics: Metrics;
  private readonly reconciler: Reconciler;
  private readonly informers: { name: string; informer: Informer<k8s.KubernetesObject>; listed: boolean }[] = [];
  private experiments!: Caches<ExperimentObject & k8s.KubernetesObject>;
  private trials!: Caches<TrialObject & k8s.KubernetesObject>;
  private jobs!: Caches<k8s.V1Job>;
  private pods!: Caches<k8s.V1Pod>;
  private elector: LeaderElector | undefined;
  private leading = false;
  private stopping = false;
  private servers: Server[] = [];
  private workers: Promise<void>[] = [];
  private resync: NodeJS.Timeout | undefined;
  private readonly uids = new Map<string, string>();
  /** Ports actually bound (for tests that pass port 0). */
  readonly ports = { metrics: 0, probes: 0 };

  constructor(
    readonly kc: k8s.KubeConfig,
    readonly o: OperatorOptions,
    log?: Logger,
  ) {
    this.log = log ?? createLogger();
    this.kube = new Kube(kc);
    this.metrics = new Metrics(() => this.queue.depth);
    this.kube.onCall = (name) => this.metrics.apiCall(name);
    // The write fence: reconcile writes go out only while this replica leads.
    this.kube.mayWrite = () => this.leading;
    this.reconciler = new Reconciler(this.kube, this.metrics, this.log, { image: o.image, serviceAccount: o.evaluatorServiceAccount, jobTtlSeconds: o.jobTtlSeconds, identity: o.identity });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get ready(): boolean {
    return this.informers.length > 0 && this.informers.every((i) => i.listed) && !this.stopping;
  }

  async start(): Promise<void> {
    await this.serve();
    const sel = LABEL_EXPERIMENT;
    // One informer per watched namespace (or one for all): a namespace-scoped install has Roles only.
    const scopes: (string | undefined)[] = this.o.namespaces.length > 0 ? [...this.o.namespaces] : [undefined];
    const each = <T extends k8s.KubernetesObject>(make: (ns: string | undefined) => Informer<T>) => new Caches(scopes.map(make));
    this.experiments = each((ns) => this.informer('experiments', ns, () => this.kube.listExperiments(ns), undefined)) as never;
    this.trials = each((ns) => this.informer('trials', ns, () => this.kube.listTrials(ns, sel), sel)) as never;
    this.jobs = each((ns) => this.informer('jobs', ns, () => this.kube.listJobs(ns, sel), sel)) as never;
    this.pods = each((ns) => this.informer('pods', ns, () => this.kube.listPods(ns, sel), sel)) as never;
    await Promise.all(this.informers.map((i) => i.informer.start()));
    for (let w = 0; w < this.o.workers; w++) this.workers.push(this.work());
    this.resync = setInterval(() => this.enqueueAll(), this.o.resyncMs);
    if (this.o.leaderElect) {
      this.elector = new LeaderElector(
        this.kube,
        { namespace: this.o.leaseNamespace, name: this.o.leaseName, identity: this.o.identity, leaseDurationMs: this.o.leaseDurationMs, renewDeadlineMs: this.o.renewDeadlineMs, retryPeriodMs: this.o.retryPeriodMs },
        this.log,
        () => this.lead(),
        () => {
          // Another replica may act now: stop at once, as client-go's callers do, and let the Deployment restart us.
          this.leading = false;
          this.metrics.leader.set(0);
          void this.stop().then(() => process.exit(1));
        },
      );
      this.elector.start();
    } else this.lead();
    this.log.info('operator started', { namespace: this.o.namespaces.length > 0 ? this.o.namespaces.join(',') : '(all)', identity: this.o.identity, leaderElect: this.o.leaderElect, metricsPort: this.ports.metrics, probePort: this.ports.probes });
  }

  private lead(): void {
    this.leading = true;
    this.metrics.leader.set(1);
    this.log.info('acting as leader', { identity: this.o.identity });
    this.enqueueAll();
  }

  private informer<T extends k8s.KubernetesObject>(name: string, namespace: string | undefined, list: () => Promise<unknown>, selector: string | undefined): Informer<T> {
    const entry = { name, informer: undefined as unknown as Informer<k8s.KubernetesObject>, listed: false };
    const path = this.kube.watchPath(name as 'experiments', namespace);
    const informer = k8s.makeInformer<T>(
      this.kc,
      path,
      async () => {
        const l = (await list()) as k8s.KubernetesListObject<T>;
        entry.listed = true;
        return l;
      },
      selector,
    );
    const enqueue = (obj: T) => {
      const ns = obj.metadata?.namespace ?? 'default';
      const exp = name === 'experiments' ? obj.metadata?.name : obj.metadata?.labels?.[LABEL_EXPERIMENT];
      if (exp) this.queue.add(`${ns}/${exp}`);
    };
    informer.on('add', enqueue);
    informer.on('update', enqueue);
    informer.on('delete', enqueue);
    informer.on('error', (err: unknown) => {
      if (this.stopping) return;
      this.log.warn('watch failed; restarting', { informer: name, error: String((err as Error)?.message ?? err) });
      setTimeout(() => {
        if (!this.stopping) informer.start().catch(() => {});
      }, 1000).unref();
    });
    entry.informer = informer as unknown as Informer<k8s.KubernetesObject>;
    this.informers.push(entry);
    return informer;
  }

  private enqueueAll(): void {
    if (!this.leading) return;
    for (const e of this.experiments.list()) this.queue.add(`${e.metadata.namespace ?? 'default'}/${e.metadata.name}`);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      if (!this.leading) {
        this.queue.done(key);
        continue;
      }
      const started = performance.now();
      const [ns, name] = key.split('/');
      let result = 'success';
      try {
        const exp = this.experiments.get(name, ns);
        if (!exp) {
          // Deleted: its trials and Jobs go with it through owner references.
          this.metrics.forget(ns, name);
          const uid = this.uids.get(key);
          if (uid) this.reconciler.forget(uid);
          this.uids.delete(key);
        } else {
          this.uids.set(key, exp.metadata.uid ?? '');
          const mine = (o: k8s.KubernetesObject) => o.metadata?.labels?.[LABEL_EXPERIMENT] === name;
          const outcome = await this.reconciler.reconcile({
            exp,
            trials: this.trials.list(ns).filter(mine),
            jobs: this.jobs.list(ns).filter(mine),
            pods: this.pods.list(ns).filter(mine),
          });
          this.queue.forget(key);
          if (outcome.requeueAfterMs !== undefined) this.queue.addAfter(key, outcome.requeueAfterMs);
        }
      } catch (err) {
        if (err instanceof StaleWrite || err instanceof NotLeading) {
          // Not a failure of the reconcile: its view was old (the cache will deliver the newer
          // object, which enqueues the key again) or this replica stopped leading.
          result = 'conflict';
          this.log.info('reconcile stopped', { experiment: key, reason: err.message });
          if (err instanceof StaleWrite) this.queue.addRateLimited(key);
          continue;
        }
        result = 'error';
        this.metrics.reconcileErrors.inc({ namespace: ns, experiment: name });
        const retryMs = this.queue.backoff(this.queue.failuresOf(key));
        this.log.error('reconcile failed; retrying with backoff', { experiment: key, error: (err as Error).message, retryMs });
        this.queue.addRateLimited(key);
      } finally {
        this.metrics.reconcileDuration.observe({ result }, (performance.now() - started) / 1000);
        this.queue.done(key);
      }
    }
  }

  private async serve(): Promise<void> {
    const metricsApp = express();
    metricsApp.get('/metrics', async (_req, res) => {
      res.set('Content-Type', this.metrics.registry.contentType);
      res.send(await this.metrics.registry.metrics());
    });
    if (this.o.ui) metricsApp.use(uiRouter({ experiments: () => this.experiments.list(), trials: (ns) => this.trials.list(ns) }));
    const probes = express();
    probes.get('/healthz', (_req, res) => {
      res.send('ok');
    });
    probes.get('/readyz', (_req, res) => {
      if (this.ready) res.send('ok');
      else res.status(503).send('informers not synced');
    });
    const listen = (app: express.Express, addr: string) =>
      new Promise<Server>((resolve, reject) => {
        const [host, port] = parseAddr(addr);
        const done = (err?: Error) => (err ? reject(err) : resolve(server));
        const server = host ? app.listen(port, host, done) : app.listen(port, done);
        server.on('error', reject);
      });
    const m = await listen(metricsApp, this.o.metricsAddr);
    const p = await listen(probes, this.o.probeAddr);
    this.servers.push(m, p);
    this.ports.metrics = (m.address() as { port: number }).port;
    this.ports.probes = (p.address() as { port: number }).port;
  }

  /** Graceful: no new work, finish the reconcile in hand, hand the lease back, close everything. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info('shutting down');
    if (this.resync) clearInterval(this.resync);
    this.queue.shutdown();
    await this.queue.drain(10_000);
    // The fence closes before the lease is handed back: a reconcile still in flight after the
    // drain stops at its next write instead of racing the next leader.
    this.leading = false;
    await this.elector?.stop();
    await Promise.all(this.informers.map((i) => i.informer.stop().catch(() => {})));
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
    this.log.info('stopped');
  }
}

export async function runOperator(o: OperatorOptions): Promise<Operator> {
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (err) {
    throw new Error(`cannot load the Kubernetes configuration (KUBECONFIG=${process.env.KUBECONFIG ?? '(unset)'}): ${(err as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new Error('no Kubernetes cluster configured: set KUBECONFIG, or run in a pod with a service account');
  const op = new Operator(kc, o);
  let signalled = false;
  const onSignal = (sig: string) => {
    if (signalled) return;
    signalled = true;
    op.log.info('signal received', { signal: sig });
    void op.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  await op.start();
  return op;
}
