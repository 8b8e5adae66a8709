// The evaluator pod protocol, both directions. The operator passes a batch of trials in the
// RWENAS_BATCH environment variable, `{"trials":[{"name":..,"genome":..}]}` (encodeBatchRequest,
// read back by parseBatchRequest); the pod leaves the batch result in its container's
// termination message at TERMINATION_LOG (`rwenas evaluate --termination-log`), which the
// operator reads back (decodeBatchResult, via operator/results.ts).
// Kubernetes keeps at most 4,096 bytes of it, so the encoding is bounded:
//
//   {"engine":"onnx/cpu","trials":[
//     {"name":"<trial>","status":"Succeeded","objectives":{"error":12.3456,"params":802426,"flops":116691594},"durationMs":5123},
//     {"name":"<trial>","status":"Failed","objectives":{"params":73306,"flops":7942794},"durationMs":812,"reason":"..."}]}
//
// - one entry per trial of the batch, in batch order; `name` as given in the batch;
// - `objectives`: error (percent, rounded to 4 decimals), params and flops (integers); a
//   Failed trial carries whatever was computed before it failed (usually params and flops);
// - `durationMs`: whole milliseconds of that trial's evaluation;
// - `reason` (always for Failed; for Succeeded only a degenerate network's note): shortened,
//   with a trailing "…", as far as needed to fit the budget;
// - `engine`: engine/backend that ran the batch (absent for `table`);
// - `running` (while the batch runs): the trial being evaluated. The pod rewrites the message
//   before and after each trial, so a pod killed mid-batch (OOM killer, eviction) leaves the
//   results it finished and names the trial it died on; the operator keeps the first and
//   retries the rest with that trial last (operator/harvest.ts).
// Guarantee: at most 4,096 bytes (UTF-8) for 16 trials whose names have at most 63 characters.
import type { Objectives } from '../search/objectives.js';

export const TERMINATION_MESSAGE_LIMIT = 4096;

/** Where the evaluator container writes its batch result (the pod's terminationMessagePath). */
export const TERMINATION_LOG = '/dev/termination-log';

/** One trial of a batch: its NASTrial name and genome. */
export interface BatchTrial {
  readonly name: string;
  readonly genome: string;
}

export interface BatchTrialResult {
  readonly name: string;
  readonly status: 'Succeeded' | 'Failed';
  readonly objectives: Objectives;
  readonly durationMs?: number;
  readonly reason?: string;
}

export interface BatchResult {
  readonly engine?: string;
  readonly trials: readonly BatchTrialResult[];
  /** The trial being evaluated when the message was written (absent once the batch is done). */
  readonly running?: string;
}

function compactObjectives(o: Objectives): Objectives {
  const out: Record<string, number> = {};
  if (typeof o.error === 'number' && Number.isFinite(o.error)) out.error = Math.round(o.error * 1e4) / 1e4;
  if (typeof o.params === 'number' && Number.isFinite(o.params)) out.params = Math.round(o.params);
  if (typeof o.flops === 'number' && Number.isFinite(o.flops)) out.flops = Math.round(o.flops);
  return out;
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function shorten(reason: string, max: number): string {
  if (reason.length <= max) return reason;
  return max <= 1 ? '…' : `${reason.slice(0, max - 1)}…`;
}

/** Encodes a batch result within `limit` bytes, shortening failure reasons as needed. */
export function encodeBatchResult(result: BatchResult, limit = TERMINATION_MESSAGE_LIMIT): string {
  const build = (reasonMax: number): string =>
    JSON.stringify({
      ...(result.engine ? { engine: result.engine } : {}),
      ...(result.running !== undefined ? { running: result.running } : {}),
      trials: result.trials.map((t) => ({
        name: t.name,
        status: t.status,
        objectives: compactObjectives(t.objectives),
        ...(t.durationMs !== undefined ? { durationMs: Math.round(t.durationMs) } : {}),
        ...(t.status === 'Failed' || t.reason ? { reason: shorten(t.reason ?? 'unknown', reasonMax) } : {}),
      })),
    });
  let text = build(Infinity);
  if (bytes(text) <= limit) return text;
  // Largest reason length that fits, by bisection (reasons are the only elastic part).
  let lo = 0;
  let hi = Math.max(0, ...result.trials.map((t) => t.reason?.length ?? 0));
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bytes(build(mid)) <= limit) lo = mid;
    else hi = mid - 1;
  }
  text = build(lo);
  if (bytes(text) > limit) {
    throw new Error(`batch result of ${result.trials.length} trials needs ${bytes(text)} bytes even with reasons shortened; the termination message holds ${limit} (use at most 16 trials per Job)`);
  }
  return text;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a termination message; throws naming what is wrong. */
export function decodeBatchResult(message: string): BatchResult {
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch {
    throw new Error(`batch result: not JSON: ${JSON.stringify(message.slice(0, 120))}`);
  }
  if (!isObj(doc) || !Array.isArray(doc.trials)) throw new Error('batch result: expected {"trials": [...]}');
  const trials = doc.trials.map((t, i): BatchTrialResult => {
    if (!isObj(t) || typeof t.name !== 'string') throw new Error(`batch result trials[${i}]: expected an object with a string name`);
    if (t.status !== 'Succeeded' && t.status !== 'Failed') throw new Error(`batch result trials[${i}].status: expected Succeeded or Failed, got ${JSON.stringify(t.status)}`);
    if (!isObj(t.objectives)) throw new Error(`batch result trials[${i}].objectives: expected an object`);
    const objectives: Record<string, number> = {};
    for (const [k, v] of Object.entries(t.objectives)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`batch result trials[${i}].objectives.${k}: expected a finite number`);
      objectives[k] = v;
    }
    return {
      name: t.name,
      status: t.status,
      objectives,
      ...(typeof t.durationMs === 'number' ? { durationMs: t.durationMs } : {}),
      ...(typeof t.reason === 'string' ? { reason: t.reason } : {}),
    };
  });
  return { ...(typeof doc.engine === 'string' ? { engine: doc.engine } : {}), ...(typeof doc.running === 'string' ? { running: doc.running } : {}), trials };
}

/** A batch of trials for one evaluator pod: `{"trials":[{"name":..,"genome":..}]}` (RWENAS_BATCH). */
export interface BatchRequest {
  readonly trials: readonly BatchTrial[];
}

export function encodeBatchRequest(trials: readonly BatchTrial[]): string {
  return JSON.stringify({ trials: trials.map(({ name, genome }) => ({ name, genome })) });
}

export function parseBatchRequest(text: string, source: string): BatchRequest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not JSON (${(err as Error).message}); expected {"trials":[{"name":..,"genome":..}]}`);
  }
  if (!isObj(doc) || !Array.isArray(doc.trials) || doc.trials.length === 0) throw new Error(`${source}: expected {"trials":[{"name":..,"genome":..}, ...]} with at least one trial`);
  doc.trials.forEach((t, i) => {
    if (!isObj(t) || typeof t.name !== 'string' || t.name === '' || typeof t.genome !== 'string') {
      throw new Error(`${source}: trials[${i}]: expected {"name": string, "genome": string}`);
    }
  });
  return { trials: doc.trials as BatchRequest['trials'] };
}
