// bench:operator-scale: the operator's first reconcile after a restart, for an experiment of
// 10k and 100k recorded NASTrials (hand-built, as the informer cache would hold them): memory
// of the cache, the size of one LIST vs one page, the replay (cold, then warm) and how long
// the event loop was held at most meanwhile (the lease is renewed every retryPeriod, 2 s, and
// must be within renewDeadline, 10 s), the pure plan and status phases, and the status size.
// The trials are given the metadata a LIST returns (asListed), so their size is the API's.
// Prints figures; asserts nothing.
//   npm run bench:operator-scale [-- 10000 100000]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { plan } from '../operator/plan.js';
import { replay } from '../operator/replay.js';
import { experimentStatus } from '../operator/status.js';
import type { TrialObject } from '../operator/types.js';
import { frontSummary, requiredObjectives } from '../search/study.js';
import { syntheticExperiment } from '../test/operator/synthetic.js';

const POPULATION = 1000;
const PAGE = 500;
const RETRY_PERIOD_MS = 2000;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/**
 * A NASTrial as a LIST returns it: uid, timestamps, owner reference and the managedFields of
 * the operator's create and status patches (about 1.9 KB each in JSON, as the API server's are).
 */
function asListed(t: TrialObject): void {
  const n = Number(t.metadata.resourceVersion);
  const hex = n.toString(16).padStart(12, '0');
  const time = '2026-01-01T00:00:00Z';
  const fields = (kind: string) => ({ manager: 'rwenas-operator', operation: 'Update', apiVersion: 'rwenas.dev/v1alpha1', time, fieldsType: 'FieldsV1', subresource: kind === 'status' ? 'status' : undefined,
    fieldsV1: kind === 'status'
      ? { 'f:status': { '.': {}, 'f:attempts': {}, 'f:completionTime': {}, 'f:job': {}, 'f:objectives': { '.': {}, 'f:error': {}, 'f:params': {}, 'f:flops': {} }, 'f:phase': {}, 'f:startTime': {} } }
      : { 'f:metadata': { 'f:labels': { '.': {}, 'f:app.kubernetes.io/managed-by': {}, 'f:rwenas.dev/experiment': {}, 'f:rwenas.dev/generation': {}, 'f:rwenas.dev/settings': {} }, 'f:ownerReferences': { '.': {}, 'k:{"uid":"6f1c2a8e-0000-4000-8000-000000000001"}': {} } }, 'f:spec': { '.': {}, 'f:experiment': {}, 'f:generation': {}, 'f:genome': {}, 'f:genomeHash': {}, 'f:searchSpace': {} } } });
  Object.assign(t.metadata, {
    uid: `6f1c2a8e-${hex.slice(0, 4)}-4${hex.slice(4, 7)}-8${hex.slice(7, 10)}-${hex}`,
    generation: 1,
    creationTimestamp: time,
    ownerReferences: [{ apiVersion: 'rwenas.dev/v1alpha1', kind: 'NASExperiment', name: 'scale', uid: '6f1c2a8e-0000-4000-8000-000000000001', controller: true, blockOwnerDeletion: true }],
    managedFields: [fields('spec'), fields('status')],
  });
  t.metadata.labels = { ...t.metadata.labels, 'rwenas.dev/settings': '0123456789abcdef', 'app.kubernetes.io/managed-by': 'rwenas-operator' };
}

interface Row {
  trials: number;
  cacheMiB: string;
  engineMiB: string;
  listMiB: string;
  pageKiB: string;
  coldReplayS: string;
  maxStallMs: string;
  renewLateMs: string;
  warmReplayMs: string;
  planStatusMs: string;
  statusKiB: string;
  unboundedStatusKiB: string;
  heapMiB: string;
  rssPeakMiB: string;
}

async function measure(trials: number): Promise<Row> {
  const generations = Math.round(trials / POPULATION) - 1;
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  // Only the trials are kept: the engine that made them goes, as in a restarted operator.
  const { spec, settings, trials: recorded } = syntheticExperiment('scale', POPULATION, generations);
  for (const t of recorded.values()) asListed(t);
  const x = { spec, settings, trials: recorded };
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  const cache = heap1 - heap0;
  let listBytes = 0;
  let pageBytes = 0;
  let i = 0;
  for (const t of x.trials.values()) {
    const n = JSON.stringify(t).length + 1;
    listBytes += n;
    if (i++ < PAGE) pageBytes += n;
  }
  const input = { experiment: 'scale', settings: x.settings, required: requiredObjectives(x.spec), trials: x.trials };

  // Cold replay, as after a restart, with a lease-renewal timer beside it.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let lastTick = performance.now();
  let renewLate = 0;
  const renew = setInterval(() => {
    const now = performance.now();
    renewLate = Math.max(renewLate, now - lastTick - RETRY_PERIOD_MS);
    lastTick = now;
  }, RETRY_PERIOD_MS);
  loop.enable();
  const t0 = performance.now();
  const cold = await replay(undefined, input);
  const coldMs = performance.now() - t0;
  loop.disable();
  clearInterval(renew);
  renewLate = Math.max(renewLate, performance.now() - lastTick - RETRY_PERIOD_MS);

  gc();
  const engineBytes = process.memoryUsage().heapUsed - heap1;
  const t1 = performance.now();
  const warm = await replay(cold.entry, input);
  const warmMs = performance.now() - t1;

  const t2 = performance.now();
  const engine = warm.entry.engine;
  const candidates = engine.done ? [] : engine.ask();
  plan({ experiment: 'scale', spec: x.spec, generation: engine.generation, candidates, trials: x.trials, jobs: [], retryable: new Set() });
  const summary = frontSummary(engine, x.spec.objectives);
  const base = { experiment: 'scale', old: {}, observed: 1, now: new Date().toISOString(), spec: x.spec, locked: {}, trials: x.trials.values(), generation: engine.generation, done: engine.done, candidates, summary, activeJobs: 0 };
  const update = experimentStatus(base);
  const planStatusMs = performance.now() - t2;
  const unbounded = experimentStatus({ ...base, trials: x.trials.values(), frontInStatus: summary.front.length });
  const heap = process.memoryUsage().heapUsed;
  return {
    trials: x.trials.size,
    cacheMiB: mib(cache),
    engineMiB: mib(engineBytes),
    listMiB: mib(listBytes),
    pageKiB: (pageBytes / 1024).toFixed(0),
    coldReplayS: (coldMs / 1000).toFixed(2),
    maxStallMs: (loop.max / 1e6).toFixed(0),
    renewLateMs: Math.max(0, renewLate).toFixed(0),
    warmReplayMs: warmMs.toFixed(0),
    planStatusMs: planStatusMs.toFixed(0),
    statusKiB: `${(JSON.stringify(update.status).length / 1024).toFixed(1)} (front ${update.status.paretoFront?.length}/${update.status.frontSize})`,
    unboundedStatusKiB: (JSON.stringify(unbounded.status).length / 1024).toFixed(1),
    heapMiB: mib(heap),
    rssPeakMiB: mib(process.resourceUsage().maxRSS * 1024),
  };
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const rows: Row[] = [];
for (const n of sizes.length ? sizes : [10_000, 100_000]) {
  rows.push(await measure(n));
  console.error(`measured ${n} trials`);
}
console.log(`operator-scale: population ${POPULATION}, objectives error+params (synthetic, conflicting), node ${process.version}${(globalThis as { gc?: unknown }).gc ? ', --expose-gc' : ''}`);
console.table(rows);
console.log('cacheMiB: heap of the NASTrial objects as cached; engineMiB: heap of the replayed engine and its record of what it was told; heapMiB: heap at the end; listMiB: one unpaginated LIST body; pageKiB: one page of 500;');
console.log(`maxStallMs: longest event-loop block during the cold replay; renewLateMs: how late a ${RETRY_PERIOD_MS} ms lease-renewal timer fired at worst (renewDeadline 10 s);`);
console.log('warmReplayMs: the next reconcile (cache checked against the record); statusKiB: the status as written (bounded front) vs with the whole front.');
