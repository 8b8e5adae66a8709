// A local run's directory (rwenas run's summary.json and trials.jsonl) as a set of search results. Every
// field is checked: a file that is missing, not JSON, or has a field of the wrong type is
// reported by file, line and field.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OBJECTIVE_NAMES, type ObjectiveName, type Objectives } from '../search/objectives.js';
import { SPACES } from '../search/spaces/index.js';
import type { NetworkOptions, SpaceName } from '../search/space.js';
import { buildResults, type SearchResults, type ResultTrial } from './search-results.js';

/** Bad or missing results: the message names the file and what was expected. */
export class ResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsError';
  }
}

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  if (!existsSync(file)) throw new ResultsError(`${file}: not found (is this the output directory of rwenas run?)`);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ResultsError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ResultsError(`${file}: expected a JSON object`);
  return v as Json;
}

const isObjective = (o: unknown): o is ObjectiveName => typeof o === 'string' && (OBJECTIVE_NAMES as readonly string[]).includes(o);

function field<T>(file: string, obj: Json, key: string, check: (v: unknown) => v is T, expected: string): T {
  const v = obj[key];
  if (!check(v)) throw new ResultsError(`${file}: ${key}: expected ${expected}, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const isObjectives = (v: unknown): v is Objectives => isObject(v) && Object.entries(v).every(([k, x]) => isObjective(k) && typeof x === 'number' && Number.isFinite(x));

export function loadRunDir(dir: string): SearchResults {
  const file = join(dir, 'summary.json');
  const s = readJson(file);
  const space = field(file, s, 'space', (v): v is SpaceName => typeof v === 'string' && v in SPACES, `one of ${Object.keys(SPACES).join(', ')}`);
  const objectives = field(file, s, 'objectives', (v): v is ObjectiveName[] => Array.isArray(v) && v.length >= 2 && v.every(isObjective), `2 or 3 of ${OBJECTIVE_NAMES.join(', ')}`);
  const final = s.final === undefined ? {} : field(file, s, 'final', (v): v is NetworkOptions => isObject(v) && Object.values(v).every((x) => typeof x === 'number'), 'an object of network sizes');
  const ref = s.referencePoint;
  if (ref !== null && ref !== undefined && !isObjectives(ref)) throw new ResultsError(`${file}: referencePoint: expected null or an object of objective values`);
  const trials = loadTrials(join(dir, 'trials.jsonl'), objectives);
  return buildResults({
    name: field(file, s, 'experiment', isString, 'a name'),
    source: { kind: 'run', where: dir },
    space,
    method: field(file, s, 'method', isString, 'the evaluation method'),
    objectives,
    constraints: s.constraints === undefined ? {} : field(file, s, 'constraints', isObjectLimits, 'an object of maxParams/maxFlops/maxError'),
    seed: field(file, s, 'seed', isInt, 'a non-negative integer'),
    final,
    referencePoint: ref ? objectives.map((o) => (ref as Objectives)[o] ?? NaN) : null,
    trials,
    state: s.done === true ? 'done' : 'stopped',
    ...(isInt(s.generations) ? { generations: s.generations } : {}),
    ...(isInt(s.wallMs) ? { wallMs: s.wallMs } : {}),
  });
}

const isObjectLimits = (v: unknown): v is Record<string, number> => isObject(v) && Object.entries(v).every(([k, x]) => ['maxParams', 'maxFlops', 'maxError'].includes(k) && typeof x === 'number');

/** trials.jsonl, one trial per line; the last occurrence of a trial wins (a resumed run). */
export function loadTrials(file: string, objectives: readonly ObjectiveName[]): ResultTrial[] {
  if (!existsSync(file)) throw new ResultsError(`${file}: not found`);
  const byTrial = new Map<string, ResultTrial>();
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new ResultsError(`${where}: not valid JSON (${(err as Error).message})`);
    }
    if (!isObject(v)) throw new ResultsError(`${where}: expected a JSON object`);
    const status = field(where, v, 'status', (x): x is 'Succeeded' | 'Failed' => x === 'Succeeded' || x === 'Failed', 'Succeeded or Failed');
    const objs = field(where, v, 'objectives', (x): x is Objectives => x === undefined || isObjectives(x), 'an object of objective values') ?? {};
    if (status === 'Succeeded') for (const o of objectives) if (objs[o] === undefined) throw new ResultsError(`${where}: objectives.${o}: missing for a Succeeded trial`);
    const t: ResultTrial = {
      trial: field(where, v, 'trial', isString, 'a trial id'),
      genome: field(where, v, 'genome', isString, 'a genome'),
      generation: field(where, v, 'generation', isInt, 'a generation number'),
      status,
      objectives: objs,
      ...(typeof v.durationMs === 'number' ? { durationMs: v.durationMs } : {}),
      ...(typeof v.reason === 'string' ? { reason: v.reason } : {}),
    };
    byTrial.set(t.trial, t);
  });
  return [...byTrial.values()].sort((a, b) => a.generation - b.generation);
}
