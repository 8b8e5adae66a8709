// One experiment's reconcile: level-triggered and idempotent. Everything it needs is read
// from the API (the experiment, its NASTrials, Jobs and pods); nothing survives in memory
// that cannot be rebuilt, so a restarted operator continues where the last one stopped.
// It runs six phases, each a named step over one per-call context (Pass):
//  gate     the spec resolves and its fixed fields are unchanged (else Invalid / halted);
//  harvest  finished Jobs' results become NASTrial statuses; failed attempts are retried
//           until backoffLimit (operator/harvest.ts, pure);
//  replay   the engine is rebuilt by telling it the recorded results (deterministic: same
//           seed, same results, same genomes), generation by generation, until one has open
//           trials;
//  plan     the NASTrials to create and the Jobs that are due (operator/plan.ts, pure);
//  apply    create them; delete running Jobs once the failure budget is spent;
//  status   status, conditions and Events (operator/status.ts, pure), then metrics and the write.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'winston';
import type { SearchEngine, SearchSettings } from '../search/engine.js';
import type { ExperimentSpec } from '../search/experiment/spec.js';
import type { ObjectiveName } from '../search/objectives.js';
import { frontSummary, overFailureBudget, requiredObjectives } from '../search/study.js';
import type { Candidate } from '../search/trial.js';
import { harvest, type Harvest, type Harvested } from './harvest.js';
import { buildJob, evaluatorServiceAccount, isJobsPod, jobCoordinates, sameEvaluator, jobState, ownerRef, SPEC_KEY, specConfigMap, type JobRequest } from './jobs.js';
import { apiMessage, apiStatus, isApiFault, NotLeading, StaleWrite, type Kube } from './kube.js';
import type { Metrics } from './metrics.js';
import { batches, trialName } from './naming.js';
import { plan, type Plan } from './plan.js';
import { replay, type CachedEngine } from './replay.js';
import { frontLabelChanges } from './front.js';
import { changedFields, lockDigests, resolveSpec, settingsDigest } from './spec.js';
import { conflictStatus, engineErrorStatus, experimentStatus, fixedFieldStatus, invalidSpecStatus, settingsMismatchStatus, topLevelPatch, type Event, type StatusInput, type StatusUpdate } from './status.js';
import { API_VERSION, LABEL_EXPERIMENT, LABEL_FRONT, LABEL_GENERATION, LABEL_MANAGED_BY, LABEL_SETTINGS, MANAGED_BY, isFinal, type ExperimentObject, type TrialObject, type TrialStatus } from './types.js';

export interface Snapshot {
  exp: ExperimentObject;
  trials: readonly TrialObject[];
  jobs: readonly k8s.V1Job[];
  pods: readonly k8s.V1Pod[];
}

export interface ReconcileOptions {
  image: string;
  /** ServiceAccount of evaluator pods (operator/jobs.ts). */
  serviceAccount: string;
  /** ttlSecondsAfterFinished of evaluator Jobs. */
  jobTtlSeconds?: number;
  identity: string;
  /** How long a Complete Job may show no pod before its attempt counts as failed. */
  podGraceMs?: number;
  /** Members of status.paretoFront at most (default FRONT_IN_STATUS). */
  frontInStatus?: number;
}

export interface Outcome {
  /** Reconcile again after this many ms (waiting for something no watch reports). */
  requeueAfterMs?: number;
}

/** One reconcile's view of one experiment, built by the gate and carried through the phases. */
interface Pass extends StatusInput {
  readonly exp: ExperimentObject;
  readonly ns: string;
  readonly uid: string;
  readonly log: Logger;
  readonly spec: ExperimentSpec;
  readonly settings: SearchSettings;
  readonly locked: Record<string, string>;
  /** Stamped on the NASTrials this pass creates (LABEL_SETTINGS). */
  readonly settingsDigest: string;
  readonly required: readonly ObjectiveName[];
  /** The experiment's NASTrials by name, updated as this pass writes them. */
  readonly trials: Map<string, TrialObject>;
  readonly jobs: readonly k8s.V1Job[];
  readonly podsByJob: Map<string, k8s.V1Pod[]>;
  /** Final statuses this process wrote (see Reconciler.written). */
  readonly written: Map<string, TrialObject>;
  readonly events: Event[];
  /** Jobs the API refused this pass (quota, admission), one line each. */
  readonly refused: string[];
}

const isoNow = () => new Date().toISOString();

/** API creates (NASTrials, and Jobs) one reconcile makes at most, and how many at a time. */
export const MAX_CREATES = 100;
export const CREATE_CONCURRENCY = 16;

/** `fn` over `items`, `size` at a time, results in order. */
async function inChunks<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** Why the pods of running Jobs do not run: waiting container reasons and unschedulable pods. */
function blockedPods(pass: Pass): string[] {
  const out: string[] = [];
  for (const [job, pods] of pass.podsByJob) {
    for (const p of pods) {
      if (p.status?.phase !== 'Pending') continue;
      const waiting = p.status.containerStatuses?.map((c) => c.state?.waiting).find((w) => w?.reason && w.reason !== 'ContainerCreating');
      const unscheduled = p.status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      const why = waiting ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` : unscheduled ? `${unscheduled.reason ?? 'Unschedulable'}: ${unscheduled.message ?? ''}` : undefined;
      if (why) out.push(`Job ${job}: pod ${p.metadata?.name} ${why}`.slice(0, 300));
    }
  }
  return out;
}

/** When to look again at an experiment blocked by a conflicting object. */
export const CONFLICT_RECHECK_MS = 30_000;

/** An object in the way that is not the experiment's own: reported as a Conflict condition. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}
const toIso = (d: Date | string | undefined): string | undefined => (d === undefined ? undefined : new Date(d).toISOString());

export class Reconciler {
  /** Engines by experiment uid, with the settings they were built for (a cache: replay rebuilds them). */
  private readonly engines = new Map<string, CachedEngine>();
  /** ServiceAccounts and spec ConfigMaps (`namespace/name`) this process made or checked. */
  private readonly made = new Set<string>();
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
    if (snap.exp.metadata.deletionTimestamp) return {};
    const pass = this.gate(snap);
    if ('status' in pass) {
      await this.writeStatus(snap.exp, pass, this.logFor(snap.exp));
      return {};
    }
    let engine: SearchEngine;
    let harvested: Harvest;
    try {
      // Replay first: a Job's trials are the current generation's batch as this operator plans
      // it, so the harvest needs the engine's candidates; then replay on over the new results.
      engine = await this.replay(pass);
      harvested = harvest({ ...pass, batchTrials: this.batchTrials(pass, engine), now: Date.now(), podGraceMs: this.o.podGraceMs });
      await this.record(pass, harvested);
      engine = await this.replay(pass);
    } catch (err) {
      // A stale view, a lost lease or a refused or failed API call (a status write denied, a
      // timeout) is no fault of the engine: retried with backoff, never a Failed phase.
      if (isApiFault(err)) throw err;
      await this.writeStatus(pass.exp, withEvents(engineErrorStatus(pass, pass.locked, (err as Error).message), pass.events), pass.log);
      return {};
    }
    const failed = [...pass.trials.values()].filter((t) => t.status?.phase === 'Failed').length;
    const overBudget = overFailureBudget(failed, pass.spec);
    const candidates = engine.done ? [] : engine.ask();
    const work = engine.done || overBudget ? { create: [], jobs: [] } : plan({ experiment: pass.experiment, spec: pass.spec, generation: engine.generation, candidates, trials: pass.trials, jobs: pass.jobs, retryable: harvested.retryable, runLast: harvested.runLast });
    let activeJobs: number;
    let more = false;
    try {
      if (overBudget) activeJobs = await this.stopJobs(pass);
      else ({ activeJobs, more } = await this.apply(pass, work, engine.generation));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      await this.writeStatus(pass.exp, withEvents(conflictStatus(pass, pass.locked, err.message), pass.events), pass.log);
      return { requeueAfterMs: CONFLICT_RECHECK_MS };
    }
    const summary = frontSummary(engine, pass.spec.objectives);
    await this.labelFront(pass, summary.front.map((f) => trialName(pass.experiment, f.trial)));
    const update = experimentStatus({
      ...pass,
      stuck: [...blockedPods(pass), ...pass.refused],
      frontInStatus: this.o.frontInStatus,
      trials: pass.trials.values(),
      generation: engine.generation,
      done: engine.done,
      candidates,
      summary,
      overBudget,
      activeJobs,
    });
    // Metrics first: whoever sees the new status must already see metrics that match it. A
    // failed write leaves them ahead for one retry, and the next reconcile recomputes both.
    this.metrics.observeStatus(pass.ns, pass.experiment, update.status);
    await this.writeStatus(pass.exp, withEvents(update, pass.events), pass.log);
    if (more) return { requeueAfterMs: 0 };
    return harvested.requeueAfterMs === undefined ? {} : { requeueAfterMs: harvested.requeueAfterMs };
  }

  private logFor(exp: ExperimentObject): Logger {
    return this.log.child({ experiment: `${exp.metadata.namespace ?? 'default'}/${exp.metadata.name}` });
  }

  /** The spec resolves and its fixed fields are as locked: the pass's context; otherwise the status to write instead. */
  private gate(snap: Snapshot): Pass | StatusUpdate {
    const { exp } = snap;
    const input: StatusInput = { experiment: exp.metadata.name, old: exp.status ?? {}, observed: exp.metadata.generation ?? 0, now: isoNow() };
    const resolved = resolveSpec(exp.spec);
    if (!resolved.ok) return invalidSpecStatus(input, resolved.problems);
    const digests = lockDigests(resolved.spec);
    const locked = input.old.lockedSpec ?? digests;
    const changed = changedFields(locked, digests);
    if (changed.length > 0) return fixedFieldStatus(input, locked, changed);
    const uid = exp.metadata.uid ?? '';
    const owned = <T extends { metadata?: { ownerReferences?: { uid: string }[] } }>(o: T) => (o.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);
    const ownTrials = snap.trials.filter(owned);
    const settings = settingsDigest(locked);
    const mismatched = ownTrials.filter((t) => t.metadata.labels?.[LABEL_SETTINGS] !== settings).map((t) => ({ name: t.metadata.name, stamp: t.metadata.labels?.[LABEL_SETTINGS] }));
    if (mismatched.length > 0) return settingsMismatchStatus(input, settings, mismatched);
    const written = this.written.get(uid) ?? new Map<string, TrialObject>();
    this.written.set(uid, written);
    // Jobs count by controller owner uid and a name of the operator's pattern; pods by their
    // Job's uid and its exact evaluator (isJobsPod), never by labels, which anyone may set.
    const jobs = snap.jobs.filter((j) => owned(j) && jobCoordinates(exp.metadata.name, j.metadata?.name) !== undefined);
    const jobByUid = new Map(jobs.map((j) => [j.metadata?.uid ?? '', j]));
    const podsByJob = new Map<string, k8s.V1Pod[]>();
    for (const p of snap.pods) {
      const ref = p.metadata?.ownerReferences?.find((o) => o.kind === 'Job' && o.controller === true);
      const job = ref ? jobByUid.get(ref.uid) : undefined;
      if (job && isJobsPod(p, job)) podsByJob.set(job.metadata!.name!, [...(podsByJob.get(job.metadata!.name!) ?? []), p]);
    }
    return {
      ...input,
      exp,
      ns: exp.metadata.namespace ?? 'default',
      uid,
      log: this.logFor(exp),
      spec: resolved.spec,
      settings: resolved.settings,
      locked,
      required: requiredObjectives(resolved.spec),
      settingsDigest: settings,
      trials: overlay(ownTrials, written),
      jobs,
      podsByJob,
      written,
      events: [],
      refused: [],
    };
  }

  /** Writes what the harvest found: Running marks, final statuses, and a TrialsFailed Event. */
  private async record(pass: Pass, h: Harvest): Promise<void> {
    for (const f of h.failures) pass.log.warn('evaluation attempt failed', { generation: f.generation, job: f.job, attempt: f.attempt, reason: f.reason });
    await Promise.all(h.running.map((r) => this.markRunning(pass, r.trials, r.job, r.attempt)));
    await Promise.all(h.results.map((r) => this.recordResult(pass, r)));
    if (h.results.length > 0) this.lastResultAt.set(pass.uid, Date.now());
    const failed = h.results.filter((r) => r.status.phase === 'Failed').map((r) => r.trial);
    if (failed.length === 0) return;
    this.metrics.trialsFailed.inc({ namespace: pass.ns, experiment: pass.experiment }, failed.length);
    const last = pass.trials.get(failed[failed.length - 1])?.status?.message ?? '';
    pass.events.push({ type: 'Warning', reason: 'TrialsFailed', message: `${failed.length} trial(s) failed: ${failed.slice(0, 5).join(', ')}${failed.length > 5 ? ', ...' : ''}. ${last}`.slice(0, 1000) });
  }

  /** Trial names of a batch of the engine's current generation, as plan() cuts them. */
  private batchTrials(pass: Pass, engine: SearchEngine): (generation: number, batch: number) => readonly string[] {
    if (engine.done) return () => [];
    const names = engine.ask().map((c) => trialName(pass.experiment, c.trial));
    const groups = batches(names, pass.spec.execution.trialsPerJob);
    return (generation, batch) => (generation === engine.generation ? (groups[batch] ?? []) : []);
  }

  /** The engine after replaying every generation whose trials are all final (operator/replay.ts). */
  private async replay(pass: Pass): Promise<SearchEngine> {
    try {
      const { entry, rebuilt } = await replay(this.engines.get(pass.uid), pass);
      this.engines.set(pass.uid, entry);
      if (rebuilt) {
        pass.log.warn('recorded results changed: the engine was rebuilt from them', { why: rebuilt });
        pass.events.push({ type: 'Warning', reason: 'ResultsChanged', message: `${rebuilt}: the search was rebuilt from the recorded results, as after a restart`.slice(0, 1000) });
      }
      return entry.engine;
    } catch (err) {
      this.engines.delete(pass.uid);
      throw err;
    }
  }

  /**
   * Creates the planned NASTrials and Jobs, concurrently in one round trip (a Job names its
   * trials, and a result is only recorded once its NASTrial exists, so the order does not
   * matter), then marks the new Jobs' trials Running. Returns the Jobs now running.
   */
  private async apply(pass: Pass, all: Plan, generation: number): Promise<{ activeJobs: number; more: boolean }> {
    // At most MAX_CREATES NASTrials and as many Jobs per reconcile, CREATE_CONCURRENCY at a time;
    // a Job only once all its NASTrials exist. The rest follows at once (more: requeue).
    const create = all.create.slice(0, MAX_CREATES);
    const exists = new Set([...pass.trials.keys(), ...create.map((c) => trialName(pass.experiment, c.trial))]);
    const ready = all.jobs.filter((r) => r.trials.every((t) => exists.has(t.name))).slice(0, MAX_CREATES);
    const work: Plan = { create, jobs: ready };
    const more = create.length < all.create.length || ready.length < all.jobs.length;
    const specMap = work.jobs.length > 0 ? await this.podInputs(pass) : '';
    const jobs = work.jobs.map((req) => ({ req, job: buildJob(pass.exp, pass.spec, req, { image: this.o.image, serviceAccount: this.o.serviceAccount, specConfigMap: specMap, jobTtlSeconds: this.o.jobTtlSeconds }) }));
    const madeTrials = await inChunks(work.create, CREATE_CONCURRENCY, (c) => this.createTrial(pass, c));
    if (madeTrials.length > 0) pass.log.info('created NASTrials', { generation, created: madeTrials.length, remaining: all.create.length - madeTrials.length });
    const madeJobs = await inChunks(jobs, CREATE_CONCURRENCY, ({ req, job }) => this.createJob(pass, req, job));
    for (const t of madeTrials) pass.trials.set(t.metadata.name, t);
    const created = madeJobs.filter(Boolean).length;
    if (created > 0) this.metrics.jobsCreated.inc({ namespace: pass.ns, experiment: pass.experiment }, created);
    // A refused Job (null) marks nothing Running: its batch is planned again.
    await Promise.all(jobs.filter((_, i) => madeJobs[i] !== null).map(({ req, job }) => this.markRunning(pass, req.trials.map((t) => t.name), job, req.attempt)));
    const activeJobs = pass.jobs.filter((j) => jobState(j) === 'Active').length + madeJobs.filter((m) => m !== null).length;
    if (created > 0) pass.log.info('created evaluator Jobs', { generation, jobs: created, activeJobs });
    return { activeJobs, more };
  }

  /**
   * What evaluator pods need before their Jobs exist: the evaluator ServiceAccount of the
   * namespace and the experiment's spec ConfigMap. Made once per process (a set remembers
   * them); an existing ConfigMap is used only if it is this experiment's, with this content.
   */
  private async podInputs(pass: Pass): Promise<string> {
    const account = `${pass.ns}/${this.o.serviceAccount}`;
    if (!this.made.has(account)) {
      await this.kube.createServiceAccount(pass.ns, evaluatorServiceAccount(pass.ns, this.o.serviceAccount)).catch((err) => {
        if (apiStatus(err) !== 409) throw new Error(`creating ServiceAccount ${this.o.serviceAccount}: ${apiMessage(err)}`);
      });
      this.made.add(account);
    }
    const map = specConfigMap(pass.exp, pass.spec);
    const name = map.metadata!.name!;
    if (this.made.has(`${pass.ns}/${name}`)) return name;
    try {
      await this.kube.createConfigMap(pass.ns, map);
    } catch (err) {
      if (apiStatus(err) !== 409) throw new Error(`creating ConfigMap ${name}: ${apiMessage(err)}`);
      const found = await this.kube.getConfigMap(pass.ns, name);
      const ours = found.metadata?.ownerReferences?.some((o) => o.uid === pass.uid) && found.data?.[SPEC_KEY] === map.data![SPEC_KEY];
      if (!ours) throw new Error(`ConfigMap ${name} exists but is not this experiment's spec (another owner or other content): delete it`);
    }
    this.made.add(`${pass.ns}/${name}`);
    return name;
  }

  /** The whole front, as labels: rwenas.dev/front=true on its NASTrials and on no other. */
  private async labelFront(pass: Pass, front: readonly string[]): Promise<void> {
    const changes = frontLabelChanges(pass.trials.values(), new Set(front));
    for (const group of batches(changes, 50)) {
      await Promise.all(
        group.map(async ({ name, onFront }) => {
          try {
            pass.trials.set(name, await this.kube.patchTrialLabels(pass.ns, name, { [LABEL_FRONT]: onFront ? 'true' : null }));
          } catch (err) {
            if (apiStatus(err) !== 404) throw err instanceof NotLeading ? err : new Error(`labelling NASTrial ${name}: ${apiMessage(err)}`);
          }
        }),
      );
    }
  }

  /** The failure budget is spent: running Jobs are deleted (their results would not count). */
  private async stopJobs(pass: Pass): Promise<number> {
    for (const j of pass.jobs.filter((x) => jobState(x) === 'Active')) {
      try {
        await this.kube.deleteJob(pass.ns, j.metadata!.name!);
      } catch (err) {
        if (apiStatus(err) !== 404) throw err;
      }
    }
    return 0;
  }

  private async createTrial(pass: Pass, c: Candidate): Promise<TrialObject> {
    const trial: TrialObject = {
      apiVersion: API_VERSION,
      kind: 'NASTrial',
      metadata: {
        name: trialName(pass.experiment, c.trial),
        namespace: pass.ns,
        labels: { [LABEL_EXPERIMENT]: pass.experiment, [LABEL_GENERATION]: String(c.generation), [LABEL_SETTINGS]: pass.settingsDigest, [LABEL_MANAGED_BY]: MANAGED_BY },
        ownerReferences: [ownerRef(pass.exp)],
      },
      spec: { experiment: pass.experiment, searchSpace: pass.spec.searchSpace.name, genome: c.genome, genomeHash: c.trial, generation: c.generation },
    };
    try {
      return await this.kube.createTrial(trial);
    } catch (err) {
      if (apiStatus(err) !== 409) throw err;
    }
    // The name is taken: adopt it only if it is this experiment's, for this genome (an earlier
    // reconcile made it, maybe since stripped of its labels), else report the conflict.
    const found = await this.kube.getTrial(pass.ns, trial.metadata.name);
    const ours = (found.metadata.ownerReferences ?? []).some((o) => o.uid === pass.uid && o.controller === true) && found.spec?.genome === c.genome;
    if (!ours) {
      const owners = (found.metadata.ownerReferences ?? []).map((o) => `${o.kind} ${o.name} (uid ${o.uid})`).join(', ') || 'none';
      throw new ConflictError(`NASTrial ${trial.metadata.name} exists but is not this experiment's (owner: ${owners}; genome ${found.spec?.genome === c.genome ? 'the same' : 'another'}): delete it, or give the experiment another name`);
    }
    const labels = { ...trial.metadata.labels! };
    // A recorded result is never restamped as these settings' (one without our stamp may have
    // been made under others): the next gate names it (SettingsMismatch) instead.
    if (isFinal(found) && found.metadata.labels?.[LABEL_SETTINGS] !== pass.settingsDigest) delete labels[LABEL_SETTINGS];
    if (Object.entries(labels).some(([k, v]) => found.metadata.labels?.[k] !== v)) return this.kube.patchTrialLabels(pass.ns, trial.metadata.name, labels);
    return found;
  }

  /** true: created; false: it existed and is ours; null: refused by the API (quota, admission). */
  private async createJob(pass: Pass, req: JobRequest, job: k8s.V1Job): Promise<boolean | null> {
    try {
      await this.kube.createJob(pass.ns, job);
    } catch (err) {
      if (err instanceof NotLeading) throw err;
      const code = apiStatus(err);
      // Refused for good by quota, admission or validation: said in the status, tried again later.
      if (code === 403 || code === 422 || code === 400) {
        pass.refused.push(`Job ${job.metadata?.name} refused by the API server (${code}): ${apiMessage(err)}`);
        return null;
      }
      if (code !== 409) throw new Error(`creating Job ${job.metadata?.name}: ${apiMessage(err)}`);
      // Adopted only if this experiment controls it and it runs exactly the evaluator we built.
      const found = await this.kube.getJob(pass.ns, job.metadata!.name!);
      const controlled = (found.metadata?.ownerReferences ?? []).some((o) => o.uid === pass.uid && o.controller === true);
      if (controlled && sameEvaluator(found, job)) return false;
      throw new ConflictError(`Job ${job.metadata!.name} exists but is not this experiment's evaluator Job (${controlled ? 'another pod template' : 'another owner'}): delete it`);
    }
    const since = this.lastResultAt.get(pass.uid);
    if (req.batch === 0 && req.attempt === 0 && req.generation > 0 && since !== undefined) {
      const seconds = (Date.now() - since) / 1000;
      this.metrics.generationTransition.observe(seconds);
      this.lastResultAt.delete(pass.uid);
      pass.log.info('next generation started', { generation: req.generation, transitionMs: Math.round(seconds * 1000) });
    }
    return true;
  }

  private async markRunning(pass: Pass, names: readonly string[], job: k8s.V1Job, attempt: number): Promise<void> {
    const jname = job.metadata?.name ?? '';
    await Promise.all(
      names.map(async (n) => {
        const t = pass.trials.get(n);
        if (!t || isFinal(t)) return;
        if (t.status?.phase === 'Running' && t.status.job === jname) return;
        const status: TrialStatus = { phase: 'Running', job: jname, attempts: attempt + 1, startTime: t.status?.startTime ?? toIso(job.metadata?.creationTimestamp) ?? isoNow() };
        pass.trials.set(n, await this.patchTrial(pass.ns, t, status));
      }),
    );
  }

  private async recordResult(pass: Pass, r: Harvested): Promise<void> {
    const t = pass.trials.get(r.trial)!;
    const saved = await this.patchTrial(pass.ns, t, r.status);
    pass.trials.set(r.trial, saved);
    pass.written.set(r.trial, saved);
    const phase = r.status.phase as 'Succeeded' | 'Failed';
    if (r.durationMs !== undefined) this.metrics.evaluationDuration.observe({ namespace: pass.ns, experiment: pass.experiment, status: phase }, r.durationMs / 1000);
    this.log.info('trial result', { experiment: `${pass.ns}/${pass.experiment}`, generation: t.spec.generation, trial: r.trial, phase, objectives: r.status.objectives });
  }

  private async patchTrial(ns: string, t: TrialObject, status: TrialStatus): Promise<TrialObject> {
    try {
      return await this.kube.patchTrialStatus(ns, t.metadata.name, status, t.metadata.resourceVersion);
    } catch (err) {
      if (err instanceof StaleWrite || err instanceof NotLeading) throw err;
      throw new Error(`writing status of NASTrial ${t.metadata.name}: ${apiMessage(err)}`, { cause: err });
    }
  }

  private async writeStatus(exp: ExperimentObject, update: StatusUpdate, log: Logger): Promise<void> {
    const ns = exp.metadata.namespace ?? 'default';
    const patch = topLevelPatch(exp.status as Record<string, unknown> | undefined, update.status as Record<string, unknown>);
    if (Object.keys(patch).length > 0) {
      try {
        await this.kube.patchExperimentStatus(ns, exp.metadata.name, patch, exp.metadata.resourceVersion);
      } catch (err) {
        if (err instanceof StaleWrite || err instanceof NotLeading) throw err;
        throw new Error(`writing status of NASExperiment ${exp.metadata.name}: ${apiMessage(err)}`, { cause: err });
      }
    }
    for (const e of update.events) {
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

/** The harvest's Events first, then the status's own. */
function withEvents(update: StatusUpdate, before: readonly Event[]): StatusUpdate {
  return { status: update.status, events: [...before, ...update.events] };
}

/** Owned NASTrials by name, with this process's final writes laid over any the cache shows unfinished. */
function overlay(trials: readonly TrialObject[], written: Map<string, TrialObject>): Map<string, TrialObject> {
  const byName = new Map(trials.map((t) => [t.metadata.name, t]));
  for (const [n, t] of written) {
    const cached = byName.get(n);
    if (cached && !isFinal(cached)) byName.set(n, t);
    else if (cached) written.delete(n); // the cache has caught up
  }
  return byName;
}
