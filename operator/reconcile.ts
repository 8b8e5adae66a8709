// One experiment's reconcile: level-triggered and idempotent. Everything it needs is read
// from the API (the experiment, its NASTrials, Jobs and pods); nothing survives in memory
// that cannot be rebuilt, so a restarted operator continues where the last one stopped.
//  1. results: finished Jobs' termination messages become NASTrial statuses; a failed
//     attempt is retried (a new Job, `-a<n+1>`) until backoffLimit, then its trials Fail;
//  2. search: the engine is rebuilt by replaying recorded results (deterministic: same seed,
//     same results, same genomes), generation by generation, until one has open trials;
//  3. work: that generation's genomes become NASTrials, grouped into Jobs of trialsPerJob
//     with at most `parallelism` running; names are deterministic, so a repeated create
//     finds the object already there instead of evaluating a genome twice;
//  4. status and Events.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'winston';
import { Engine } from '../search/engine.js';
import { canonicalJson } from '../search/engine-state.js';
import type { ExperimentSpec } from '../search/experiment/spec.js';
import { constrainedObjectives } from '../search/algorithms/constrained.js';
import type { Evaluation, ObjectiveName } from '../search/objectives.js';
import { buildJob, jobLabelNumber, jobState, jobTrials, ownerRef, terminatedEvaluators, type BatchTrial } from './jobs.js';
import { apiMessage, apiStatus, type Kube } from './kube.js';
import type { Metrics } from './metrics.js';
import { batches, jobName, trialName } from './naming.js';
import { checkObjectives, decodeResults, describeTermination, type TrialResult } from './results.js';
import { changedFields, lockDigests, resolveSpec } from './spec.js';
import { mergeConditions, topLevelPatch, type ConditionInput } from './status.js';
import {
  API_VERSION,
  LABEL_ATTEMPT,
  LABEL_BATCH,
  LABEL_EXPERIMENT,
  LABEL_GENERATION,
  LABEL_MANAGED_BY,
  MANAGED_BY,
  isFinal,
  type ExperimentObject,
  type ExperimentPhase,
  type ExperimentStatus,
  type TrialCounts,
  type TrialObject,
  type TrialStatus,
} from './types.js';

export interface Snapshot {
  exp: ExperimentObject;
  trials: readonly TrialObject[];
  jobs: readonly k8s.V1Job[];
  pods: readonly k8s.V1Pod[];
}

export interface ReconcileOptions {
  image: string;
  identity: string;
  /** How long a Complete Job may show no pod before its attempt counts as failed. */
  podGraceMs?: number;
}

export interface Outcome {
  /** Reconcile again after this many ms (waiting for something no watch reports). */
  requeueAfterMs?: number;
}

interface Event {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

const isoNow = () => new Date().toISOString();
const toIso = (d: Date | string | undefined): string | undefined => (d === undefined ? undefined : new Date(d).toISOString());

export class Reconciler {
  /** Engines by experiment uid, with the settings they were built for (a cache: replay rebuilds them). */
  private readonly engines = new Map<string, { key: string; engine: Engine }>();
  /** When the last result of an experiment was recorded (for the generation-transition metric). */
  private readonly lastResultAt = new Map<string, number>();
  /**
   * Final trial statuses this process wrote, by experiment uid: laid over the informer cache,
   * which may not show them yet, so a result is recorded (and counted) once, not again on
   * the next reconcile. Lost on restart, when the cache is fresh anyway.
   */
  private readonly written = new Map<string, Map<string, TrialObject>>();

  constructor(
    private readonly kube: Kube,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly o: ReconcileOptions,
  ) {}

  forget(uid: string): void {
    this.engines.delete(uid);
    this.written.delete(uid);
    this.lastResultAt.delete(uid);
  }

  async reconcile(snap: Snapshot): Promise<Outcome> {
    const { exp } = snap;
    const ns = exp.metadata.namespace ?? 'default';
    const name = exp.metadata.name;
    const uid = exp.metadata.uid ?? '';
    if (exp.metadata.deletionTimestamp) return {};
    const log = this.log.child({ experiment: `${ns}/${name}` });
    const old = exp.status ?? {};
    const observed = exp.metadata.generation ?? 0;
    const events: Event[] = [];
    const owned = <T extends { metadata?: { ownerReferences?: { uid: string }[] } }>(o: T) => (o.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);

    const resolved = resolveSpec(exp.spec);
    if (!resolved.ok) {
      const message = `the spec cannot run: ${resolved.problems.join('; ')}. Fix these fields and apply again.`;
      const status: ExperimentStatus = {
        ...old,
        phase: 'Invalid',
        observedGeneration: observed,
        conditions: mergeConditions(old.conditions, [
          { type: 'SpecValid', status: 'False', reason: 'InvalidSpec', message },
          { type: 'Progressing', status: 'False', reason: 'InvalidSpec', message: 'nothing runs until the spec is fixed' },
        ], observed, isoNow()),
      };
      if (old.phase !== 'Invalid') events.push({ type: 'Warning', reason: 'InvalidSpec', message: message.slice(0, 1000) });
      await this.writeStatus(exp, old, status, events, log);
      return {};
    }
    const { spec, settings } = resolved;
    const conditions: ConditionInput[] = [{ type: 'SpecValid', status: 'True', reason: 'Valid', message: 'the spec is valid' }];

    // Fixed fields: locked at first sight; a later change halts the experiment until reverted.
    const digests = lockDigests(spec);
    const locked = old.lockedSpec ?? digests;
    const changed = changedFields(locked, digests);
    if (changed.length > 0) {
      const message = `${changed.join(', ')} changed after the experiment started; only spec.algorithm.generations, spec.execution.parallelism, spec.execution.maxFailedTrials and spec.suspend may change. Revert the change to continue, or create a new experiment.`;
      conditions.push({ type: 'SpecAccepted', status: 'False', reason: 'FixedFieldChanged', message });
      conditions.push({ type: 'Progressing', status: 'False', reason: 'FixedFieldChanged', message: 'halted until the fixed fields are reverted' });
      if (old.conditions?.find((c) => c.type === 'SpecAccepted')?.status !== 'False') events.push({ type: 'Warning', reason: 'SpecChangeRejected', message });
      const status: ExperimentStatus = { ...old, observedGeneration: observed, lockedSpec: locked, conditions: mergeConditions(old.conditions, conditions, observed, isoNow()) };
      await this.writeStatus(exp, old, status, events, log);
      return {};
    }
    conditions.push({ type: 'SpecAccepted', status: 'True', reason: 'Accepted', message: 'the spec in force is the one the experiment started with (apart from the fields that may change)' });

    const trials = new Map<string, TrialObject>();
    for (const t of snap.trials) if (owned(t)) trials.set(t.metadata.name, t);
    const written = this.written.get(uid) ?? new Map<string, TrialObject>();
    this.written.set(uid, written);
    for (const [n, t] of written) {
      const cached = trials.get(n);
      if (cached && !isFinal(cached)) trials.set(n, t);
      else if (cached) written.delete(n); // the cache has caught up
    }
    const jobs = snap.jobs.filter(owned);
    const podsByJob = new Map<string, k8s.V1Pod[]>();
    for (const p of snap.pods) {
      const job = p.metadata?.labels?.['batch.kubernetes.io/job-name'] ?? p.metadata?.labels?.['job-name'];
      if (job) podsByJob.set(job, [...(podsByJob.get(job) ?? []), p]);
    }
    const required = [...new Set<ObjectiveName>([...spec.objectives, ...constrainedObjectives(spec.constraints)])];

    // 1. Results.
    let requeueAfterMs: number | undefined;
    const latestAttempt = new Map<string, number>();
    for (const j of jobs) {
      const key = `${jobLabelNumber(j, LABEL_GENERATION)}/${jobLabelNumber(j, LABEL_BATCH)}`;
      latestAttempt.set(key, Math.max(latestAttempt.get(key) ?? -1, jobLabelNumber(j, LABEL_ATTEMPT)));
    }
    const newlyFailed: string[] = [];
    /** Latest attempts that failed with retries left: the next attempt is due. */
    const retryable = new Set<string>();
    for (const job of jobs) {
      const jname = job.metadata?.name ?? '';
      const open = jobTrials(job).filter((n) => trials.has(n) && !isFinal(trials.get(n)!));
      if (open.length === 0) continue;
      const state = jobState(job);
      const attempt = jobLabelNumber(job, LABEL_ATTEMPT);
      const key = `${jobLabelNumber(job, LABEL_GENERATION)}/${jobLabelNumber(job, LABEL_BATCH)}`;
      const latest = latestAttempt.get(key) === attempt;
      if (state === 'Active') {
        if (latest) await this.markRunning(ns, open, trials, jname, attempt, job);
        continue;
      }
      const term = terminatedEvaluators(podsByJob.get(jname) ?? [])[0];
      let failure: string | undefined;
      if (state === 'Complete') {
        if (!term) {
          const done = job.status?.completionTime ? new Date(job.status.completionTime).getTime() : Date.now();
          if (Date.now() - done < (this.o.podGraceMs ?? 30_000)) {
            requeueAfterMs = 2000;
            continue;
          }
          failure = `job ${jname} completed but no pod is left to read its result from`;
        } else {
          try {
            const results = decodeResults(term.state.message ?? '', open);
            const finishedAt = toIso(term.state.finishedAt) ?? isoNow();
            await Promise.all(
              open.map(async (n) => {
                const r = checkObjectives(results.get(n)!, required);
                await this.recordResult(ns, name, trials, n, r, jname, attempt, finishedAt, written);
                if (r.status === 'Failed') newlyFailed.push(n);
              }),
            );
            this.lastResultAt.set(uid, Date.now());
            continue;
          } catch (err) {
            failure = `${describeTermination(term.pod, term.state)}; ${(err as Error).message}`;
          }
        }
      } else {
        failure = term ? describeTermination(term.pod, term.state) : `job ${jname} failed: ${job.status?.conditions?.find((c) => c.type === 'Failed')?.message ?? 'no pod result'}`;
      }
      if (!latest) continue;
      log.warn('evaluation attempt failed', { generation: jobLabelNumber(job, LABEL_GENERATION), job: jname, attempt, reason: failure });
      if (attempt >= spec.execution.backoffLimit) {
        const message = `failed ${attempt + 1} time(s) (backoffLimit ${spec.execution.backoffLimit}); last: ${failure}`;
        for (const n of open) {
          await this.recordResult(ns, name, trials, n, { status: 'Failed', objectives: {}, reason: 'EvaluationFailed' }, jname, attempt, isoNow(), written, message);
          newlyFailed.push(n);
        }
        this.lastResultAt.set(uid, Date.now());
      } else retryable.add(jname);
    }
    if (newlyFailed.length > 0) {
      this.metrics.trialsFailed.inc({ namespace: ns, experiment: name }, newlyFailed.length);
      const last = trials.get(newlyFailed[newlyFailed.length - 1])?.status?.message ?? '';
      events.push({ type: 'Warning', reason: 'TrialsFailed', message: `${newlyFailed.length} trial(s) failed: ${newlyFailed.slice(0, 5).join(', ')}${newlyFailed.length > 5 ? ', ...' : ''}. ${last}`.slice(0, 1000) });
    }

    // 2. Search: replay recorded results into the engine.
    let engine: Engine;
    try {
      engine = this.replay(uid, settings, name, trials);
    } catch (err) {
      const message = `the search engine refused the spec or the recorded results: ${(err as Error).message}`;
      conditions.push({ type: 'Failed', status: 'True', reason: 'EngineError', message });
      const status: ExperimentStatus = { ...old, phase: 'Failed', observedGeneration: observed, lockedSpec: locked, completionTime: old.completionTime ?? isoNow(), conditions: mergeConditions(old.conditions, conditions, observed, isoNow()) };
      if (old.phase !== 'Failed') events.push({ type: 'Warning', reason: 'Failed', message });
      await this.writeStatus(exp, old, status, events, log);
      return {};
    }
    const failedCount = [...trials.values()].filter((t) => t.status?.phase === 'Failed').length;
    const tooManyFailed = failedCount > spec.execution.maxFailedTrials;
    const generation = engine.generation;
    const candidates = engine.done ? [] : engine.ask();

    // 3. Work: trials and Jobs of the current generation.
    let activeJobs = jobs.filter((j) => jobState(j) === 'Active').length;
    let created = 0;
    if (!engine.done && !tooManyFailed) {
      const names: BatchTrial[] = [];
      const missing: typeof candidates = [];
      for (const c of candidates) {
        const tname = trialName(name, c.trial);
        names.push({ name: tname, genome: c.genome });
        const existing = trials.get(tname);
        if (!existing) missing.push(c);
        else if (existing.spec.genome !== c.genome) throw new Error(`NASTrial ${tname} holds genome ${existing.spec.genome}, not ${c.genome} (hash prefix collision)`);
      }
      // Which Jobs are due: the next attempt of each open batch, in batch order, up to parallelism.
      const due: { b: number; attempt: number; open: BatchTrial[]; job: k8s.V1Job }[] = [];
      if (!spec.suspend) {
        const groups = batches(names, spec.execution.trialsPerJob);
        for (let b = 0; b < groups.length; b++) {
          const open = groups[b].filter((t) => {
            const tr = trials.get(t.name);
            return !tr || !isFinal(tr);
          });
          if (open.length === 0) continue;
          const latest = latestAttempt.get(`${generation}/${b}`);
          let attempt = 0;
          if (latest !== undefined) {
            // Running, or finished and its result being read: only a failed attempt with retries left goes on.
            if (!retryable.has(jobName(name, generation, b, latest))) continue;
            attempt = latest + 1;
          }
          if (activeJobs + due.length >= spec.execution.parallelism) break;
          const job = buildJob(exp, spec, { name: jobName(name, generation, b, attempt), generation, batch: b, attempt, trials: open }, { image: this.o.image });
          due.push({ b, attempt, open, job });
        }
      }
      // Trials and Jobs are created concurrently, in one round trip: a Job names its trials, and
      // a result is only recorded once its NASTrial exists, so the order does not matter.
      const [madeTrials, madeJobs] = await Promise.all([
        Promise.all(missing.map((c) => this.createTrial(exp, trialName(name, c.trial), c.trial, c.genome, c.generation, spec))),
        Promise.all(
          due.map(async (d) => {
            const made = await this.createJob(ns, d.job);
            const since = this.lastResultAt.get(uid);
            if (made && d.b === 0 && d.attempt === 0 && generation > 0 && since !== undefined) {
              const seconds = (Date.now() - since) / 1000;
              this.metrics.generationTransition.observe(seconds);
              this.lastResultAt.delete(uid);
              log.info('next generation started', { generation, transitionMs: Math.round(seconds * 1000) });
            }
            return made;
          }),
        ),
      ]);
      for (const t of madeTrials) trials.set(t.metadata.name, t);
      activeJobs += due.length;
      created = madeJobs.filter(Boolean).length;
      if (created > 0) this.metrics.jobsCreated.inc({ namespace: ns, experiment: name }, created);
      await Promise.all(due.map((d) => this.markRunning(ns, d.open.map((t) => t.name), trials, d.job.metadata!.name!, d.attempt, d.job)));
    }
    if (tooManyFailed) {
      for (const j of jobs.filter((x) => jobState(x) === 'Active')) {
        try {
          await this.kube.deleteJob(ns, j.metadata!.name!);
        } catch (err) {
          if (apiStatus(err) !== 404) throw err;
        }
      }
      activeJobs = 0;
    }

    // 4. Status.
    const counts = countTrials(trials.values());
    let phase: ExperimentPhase;
    const now = isoNow();
    if (tooManyFailed) {
      phase = 'Failed';
      const lastFailure = [...trials.values()].filter((t) => t.status?.phase === 'Failed').sort((a, b) => String(a.status?.completionTime).localeCompare(String(b.status?.completionTime))).pop();
      const message = `${failedCount} trials failed, more than spec.execution.maxFailedTrials (${spec.execution.maxFailedTrials}); last failure, trial ${lastFailure?.metadata.name}: ${lastFailure?.status?.message ?? lastFailure?.status?.reason ?? ''}`.slice(0, 2000);
      conditions.push({ type: 'Failed', status: 'True', reason: 'TooManyFailedTrials', message });
      conditions.push({ type: 'Progressing', status: 'False', reason: 'TooManyFailedTrials', message: 'stopped: raise spec.execution.maxFailedTrials to continue' });
    } else if (engine.done) {
      phase = 'Succeeded';
      conditions.push({ type: 'Failed', status: 'False', reason: 'NoFailure', message: `${failedCount} trial(s) failed` });
      conditions.push({ type: 'Complete', status: 'True', reason: 'SearchComplete', message: `evaluated ${counts.evaluated} trials in ${generation + 1} generation(s); ${engine.front().length} on the front` });
      conditions.push({ type: 'Progressing', status: 'False', reason: 'SearchComplete', message: 'the search is complete' });
    } else {
      phase = spec.suspend ? 'Suspended' : 'Running';
      conditions.push({ type: 'Failed', status: 'False', reason: 'NoFailure', message: `${failedCount} trial(s) failed (at most ${spec.execution.maxFailedTrials} tolerated)` });
      const evaluatedNow = candidates.filter((c) => isFinal(trials.get(trialName(name, c.trial))!)).length;
      conditions.push(
        spec.suspend
          ? { type: 'Progressing', status: 'False', reason: 'Suspended', message: `suspended at generation ${generation}: no new Jobs start; ${activeJobs} running finish` }
          : { type: 'Progressing', status: 'True', reason: 'Evaluating', message: `generation ${generation} of ${spec.algorithm.generations}: ${evaluatedNow} of ${candidates.length} trials evaluated, ${activeJobs} Job(s) running` },
      );
    }
    conditions.push({ type: 'Suspended', status: spec.suspend && phase === 'Suspended' ? 'True' : 'False', reason: spec.suspend ? 'SuspendRequested' : 'NotSuspended', message: spec.suspend ? 'spec.suspend is true' : 'spec.suspend is false' });
    if (phase !== 'Failed' && phase !== 'Succeeded') conditions.push({ type: 'Complete', status: 'False', reason: 'Searching', message: 'the search is not complete' });

    const front = engine.front();
    const ref = engine.referencePoint();
    const status: ExperimentStatus = {
      phase,
      observedGeneration: observed,
      generation,
      generations: spec.algorithm.generations,
      trials: counts,
      activeJobs,
      hypervolume: engine.hypervolume(),
      ...(ref ? { referencePoint: Object.fromEntries(spec.objectives.map((o, i) => [o, ref[i]])) } : {}),
      frontSize: front.length,
      paretoFront: front.map((f) => ({ trial: trialName(name, f.trial), genome: f.genome, objectives: f.objectives })),
      lockedSpec: locked,
      startTime: old.startTime ?? now,
      ...(phase === 'Succeeded' || phase === 'Failed' ? { completionTime: old.completionTime ?? now } : {}),
      conditions: mergeConditions(old.conditions, conditions, observed, now),
    };
    if (old.phase !== phase) {
      const warn = phase === 'Failed';
      const msg = conditions.find((c) => c.type === (warn ? 'Failed' : phase === 'Succeeded' ? 'Complete' : 'Progressing'))?.message ?? '';
      events.push({ type: warn ? 'Warning' : 'Normal', reason: phase, message: msg });
    }
    if ((old.generation ?? -1) !== generation && phase === 'Running') {
      events.push({ type: 'Normal', reason: 'GenerationStarted', message: `generation ${generation}: ${candidates.length} trials; hypervolume so far ${status.hypervolume}` });
    }
    if (created > 0) log.info('created evaluator Jobs', { generation, jobs: created, activeJobs });
    // Metrics first: whoever sees the new status must already see metrics that match it. A
    // failed write leaves them ahead for one retry, and the next reconcile recomputes both.
    this.metrics.observeStatus(ns, name, status);
    await this.writeStatus(exp, old, status, events, log);
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  }

  /** The engine after replaying every generation whose trials are all final. */
  private replay(uid: string, settings: Parameters<typeof Engine.create>[0], exp: string, trials: Map<string, TrialObject>): Engine {
    const key = canonicalJson({ space: settings.space.name, objectives: settings.objectives, constraints: settings.constraints, algorithm: settings.algorithm });
    let cached = this.engines.get(uid);
    if (!cached || cached.key !== key) {
      cached = { key, engine: Engine.create(settings) };
      this.engines.set(uid, cached);
    }
    const engine = cached.engine;
    try {
      while (!engine.done) {
        const asked = engine.ask();
        const recorded = asked.map((c) => trials.get(trialName(exp, c.trial)));
        if (recorded.some((t) => !t || !isFinal(t))) break;
        engine.tell(
          recorded.map((t): Evaluation =>
            t!.status!.phase === 'Succeeded'
              ? { genome: t!.spec.genome, status: 'Succeeded', objectives: t!.status!.objectives ?? {} }
              : { genome: t!.spec.genome, status: 'Failed', reason: t!.status?.reason ?? 'Failed', objectives: t!.status?.objectives ?? {} },
          ),
        );
      }
    } catch (err) {
      this.engines.delete(uid);
      throw err;
    }
    return engine;
  }

  private async createTrial(exp: ExperimentObject, tname: string, hash: string, genome: string, generation: number, spec: ExperimentSpec): Promise<TrialObject> {
    const ns = exp.metadata.namespace ?? 'default';
    const trial: TrialObject = {
      apiVersion: API_VERSION,
      kind: 'NASTrial',
      metadata: {
        name: tname,
        namespace: ns,
        labels: { [LABEL_EXPERIMENT]: exp.metadata.name, [LABEL_GENERATION]: String(generation), [LABEL_MANAGED_BY]: MANAGED_BY },
        ownerReferences: [ownerRef(exp)],
      },
      spec: { experiment: exp.metadata.name, searchSpace: spec.searchSpace.name, genome, genomeHash: hash, generation },
    };
    try {
      return await this.kube.createTrial(trial);
    } catch (err) {
      if (apiStatus(err) === 409) return trial; // made by an earlier reconcile; the cache will show it
      throw err;
    }
  }

  /** Creates a Job; false when it already existed (an earlier reconcile made it). */
  private async createJob(ns: string, job: k8s.V1Job): Promise<boolean> {
    try {
      await this.kube.createJob(ns, job);
      return true;
    } catch (err) {
      if (apiStatus(err) === 409) return false;
      throw new Error(`creating Job ${job.metadata?.name}: ${apiMessage(err)}`);
    }
  }

  private async markRunning(ns: string, names: readonly string[], trials: Map<string, TrialObject>, job: string, attempt: number, jobObj: k8s.V1Job): Promise<void> {
    await Promise.all(
      names.map(async (n) => {
        const t = trials.get(n);
        if (!t || isFinal(t)) return;
        if (t.status?.phase === 'Running' && t.status.job === job) return;
        const status: TrialStatus = { phase: 'Running', job, attempts: attempt + 1, startTime: t.status?.startTime ?? toIso(jobObj.metadata?.creationTimestamp) ?? isoNow() };
        trials.set(n, await this.patchTrial(ns, t, status));
      }),
    );
  }

  private async recordResult(ns: string, exp: string, trials: Map<string, TrialObject>, n: string, r: TrialResult, job: string, attempt: number, at: string, written: Map<string, TrialObject>, message?: string): Promise<void> {
    const t = trials.get(n)!;
    const status: TrialStatus = {
      phase: r.status,
      objectives: r.objectives,
      job,
      attempts: attempt + 1,
      ...(r.durationMs !== undefined ? { durationSeconds: r.durationMs / 1000 } : {}),
      ...(r.status === 'Failed' ? { reason: r.reason && /^[A-Z][A-Za-z]*$/.test(r.reason) ? r.reason : 'EvaluationFailed', message: message ?? r.reason ?? 'the evaluation failed' } : {}),
      startTime: t.status?.startTime ?? at,
      completionTime: at,
    };
    const saved = await this.patchTrial(ns, t, status);
    trials.set(n, saved);
    written.set(n, saved);
    if (r.durationMs !== undefined) this.metrics.evaluationDuration.observe({ namespace: ns, experiment: exp, status: r.status }, r.durationMs / 1000);
    this.log.info('trial result', { experiment: `${ns}/${exp}`, generation: t.spec.generation, trial: n, phase: r.status, objectives: r.objectives });
  }

  private async patchTrial(ns: string, t: TrialObject, status: TrialStatus): Promise<TrialObject> {
    try {
      return await this.kube.patchTrialStatus(ns, t.metadata.name, status);
    } catch (err) {
      throw new Error(`writing status of NASTrial ${t.metadata.name}: ${apiMessage(err)}`);
    }
  }

  private async writeStatus(exp: ExperimentObject, old: ExperimentStatus, next: ExperimentStatus, events: Event[], log: Logger): Promise<void> {
    const ns = exp.metadata.namespace ?? 'default';
    const patch = topLevelPatch(old as Record<string, unknown>, next as Record<string, unknown>);
    if (Object.keys(patch).length > 0) {
      try {
        await this.kube.patchExperimentStatus(ns, exp.metadata.name, patch);
      } catch (err) {
        throw new Error(`writing status of NASExperiment ${exp.metadata.name}: ${apiMessage(err)}`);
      }
    }
    for (const e of events) {
      log.info('event', { reason: e.reason, type: e.type, message: e.message });
      await this.emit(exp, e).catch((err) => log.warn('could not record an Event', { error: apiMessage(err) }));
    }
  }

  private async emit(exp: ExperimentObject, e: Event): Promise<void> {
    const ns = exp.metadata.namespace ?? 'default';
    const now = new Date();
    await this.kube.createEvent(ns, {
      metadata: { generateName: `${exp.metadata.name}.`, namespace: ns },
      involvedObject: { apiVersion: API_VERSION, kind: 'NASExperiment', name: exp.metadata.name, namespace: ns, uid: exp.metadata.uid, resourceVersion: exp.metadata.resourceVersion },
      reason: e.reason,
      message: e.message,
      type: e.type,
      source: { component: 'rwenas-operator' },
      reportingComponent: 'rwenas.dev/operator',
      reportingInstance: this.o.identity,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  }
}

export function countTrials(trials: Iterable<TrialObject>): TrialCounts {
  const c: TrialCounts = { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, evaluated: 0 };
  for (const t of trials) {
    c.total++;
    const p = t.status?.phase ?? 'Pending';
    if (p === 'Pending') c.pending++;
    else if (p === 'Running') c.running++;
    else if (p === 'Succeeded') c.succeeded++;
    else c.failed++;
  }
  c.evaluated = c.succeeded + c.failed;
  return c;
}
