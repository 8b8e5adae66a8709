// Prometheus metrics, all prefixed rwenas_. Per-experiment series are set by the leader
// after each reconcile and removed when the experiment goes away.
import client from 'prom-client';
import type { ExperimentStatus } from './types.js';
import { API_CALLS, type ApiCallName } from './rbac.js';

export class Metrics {
  readonly registry = new client.Registry();
  readonly experiments: client.Gauge<'phase'>;
  readonly generation: client.Gauge<'namespace' | 'experiment'>;
  readonly trials: client.Gauge<'namespace' | 'experiment' | 'state'>;
  readonly hypervolume: client.Gauge<'namespace' | 'experiment'>;
  readonly frontSize: client.Gauge<'namespace' | 'experiment'>;
  readonly activeJobs: client.Gauge<'namespace' | 'experiment'>;
  readonly evaluationDuration: client.Histogram<'namespace' | 'experiment' | 'status'>;
  readonly reconcileDuration: client.Histogram<'result'>;
  readonly reconcileErrors: client.Counter<'namespace' | 'experiment'>;
  readonly queueDepth: client.Gauge;
  readonly generationTransition: client.Histogram;
  readonly jobsCreated: client.Counter<'namespace' | 'experiment'>;
  readonly trialsFailed: client.Counter<'namespace' | 'experiment'>;
  readonly leader: client.Gauge;
  readonly apiRequests: client.Counter<'group' | 'resource' | 'verb'>;
  private readonly phases = new Map<string, string>();

  constructor(depth: () => number) {
    const r = [this.registry];
    client.collectDefaultMetrics({ register: this.registry, prefix: 'rwenas_operator_' });
    const phases = this.phases;
    this.experiments = new client.Gauge({
      name: 'rwenas_experiments',
      help: 'NASExperiments by phase (leader only).',
      labelNames: ['phase'],
      registers: r,
      collect() {
        this.reset();
        for (const p of ['Pending', 'Running', 'Suspended', 'Succeeded', 'Failed', 'Invalid']) this.set({ phase: p }, 0);
        for (const p of phases.values()) this.inc({ phase: p });
      },
    });
    const perExp = ['namespace', 'experiment'] as const;
    this.generation = new client.Gauge({ name: 'rwenas_experiment_generation', help: 'Search generation being evaluated (0 = initial population).', labelNames: perExp, registers: r });
    this.trials = new client.Gauge({ name: 'rwenas_trials', help: 'NASTrials by state.', labelNames: [...perExp, 'state'], registers: r });
    this.hypervolume = new client.Gauge({ name: 'rwenas_experiment_hypervolume', help: 'Hypervolume of the Pareto front against the recorded reference point.', labelNames: perExp, registers: r });
    this.frontSize = new client.Gauge({ name: 'rwenas_experiment_front_size', help: 'Trials on the Pareto front.', labelNames: perExp, registers: r });
    this.activeJobs = new client.Gauge({ name: 'rwenas_experiment_active_jobs', help: 'Evaluator Jobs running.', labelNames: perExp, registers: r });
    this.evaluationDuration = new client.Histogram({
      name: 'rwenas_evaluation_duration_seconds',
      help: 'Seconds one trial evaluation took, as the evaluator measured it.',
      labelNames: [...perExp, 'status'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers: r,
    });
    this.reconcileDuration = new client.Histogram({
      name: 'rwenas_reconcile_duration_seconds',
      help: 'Seconds one experiment reconcile took.',
      labelNames: ['result'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    });
    this.reconcileErrors = new client.Counter({ name: 'rwenas_reconcile_errors_total', help: 'Reconciles that failed and were requeued with backoff.', labelNames: perExp, registers: r });
    this.queueDepth = new client.Gauge({
      name: 'rwenas_workqueue_depth',
      help: 'Experiments waiting in the work queue.',
      registers: r,
      collect() {
        this.set(depth());
      },
    });
    this.generationTransition = new client.Histogram({
      name: 'rwenas_generation_transition_seconds',
      help: "Seconds from recording a generation's last result to creating the next generation's first Job.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    });
    this.jobsCreated = new client.Counter({ name: 'rwenas_jobs_created_total', help: 'Evaluator Jobs created.', labelNames: perExp, registers: r });
    this.trialsFailed = new client.Counter({ name: 'rwenas_trials_failed_total', help: 'Trials marked Failed.', labelNames: perExp, registers: r });
    this.leader = new client.Gauge({ name: 'rwenas_leader', help: '1 while this replica holds the leader Lease.', registers: r });
    this.apiRequests = new client.Counter({ name: 'rwenas_api_requests_total', help: 'Kubernetes API requests by group, resource and verb.', labelNames: ['group', 'resource', 'verb'], registers: r });
  }

  apiCall(name: ApiCallName): void {
    const c = API_CALLS[name];
    this.apiRequests.inc({ group: c.group, resource: c.resource, verb: c.verb });
  }

  /** Sets the per-experiment series from a status the operator just wrote. */
  observeStatus(namespace: string, experiment: string, status: ExperimentStatus): void {
    const l = { namespace, experiment };
    this.phases.set(`${namespace}/${experiment}`, status.phase ?? 'Pending');
    this.generation.set(l, status.generation ?? 0);
    const t = status.trials;
    for (const state of ['pending', 'running', 'succeeded', 'failed'] as const) this.trials.set({ ...l, state }, t?.[state] ?? 0);
    this.hypervolume.set(l, status.hypervolume ?? 0);
    this.frontSize.set(l, status.frontSize ?? 0);
    this.activeJobs.set(l, status.activeJobs ?? 0);
    // Counters start at 0 for every experiment, so rate() and the dashboard have a series
    // before the first error, Job or failure.
    for (const c of [this.reconcileErrors, this.jobsCreated, this.trialsFailed]) c.inc(l, 0);
  }

  forget(namespace: string, experiment: string): void {
    this.phases.delete(`${namespace}/${experiment}`);
    const l = { namespace, experiment };
    for (const g of [this.generation, this.hypervolume, this.frontSize, this.activeJobs, this.reconcileErrors, this.jobsCreated, this.trialsFailed]) g.remove(l);
    for (const state of ['pending', 'running', 'succeeded', 'failed']) this.trials.remove({ ...l, state });
  }
}
