// `--set PATH=VALUE`: overrides one field of a manifest by its dotted path, e.g.
// `spec.algorithm.seed=2` or `spec.objectives=[error, params]`. VALUE is read as YAML, so
// numbers, booleans and flow lists come out typed; anything YAML cannot read stays a string.
// Applied before defaults and validation, so a wrong path or value is reported like any other.
import { parse } from 'yaml';

export class SetError extends Error {
  constructor(assignment: string, problem: string) {
    super(`--set ${assignment}: ${problem}`);
    this.name = 'SetError';
  }
}

// Path segments that name JavaScript's prototype machinery, never a manifest field.
const FORBIDDEN = ['__proto__', 'constructor', 'prototype'];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits `a.b[2].c` into ['a', 'b', 2, 'c']. */
function segments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m || (m[1] === '' && m[2] === '')) return [];
    if (m[1] !== '') out.push(m[1]);
    for (const index of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

export function parseSetValue(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return text;
  }
}

/** Applies one `PATH=VALUE` to `doc` (a parsed manifest), creating missing mappings on the way. */
export function applySet(doc: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new SetError(assignment, 'expected PATH=VALUE, e.g. spec.algorithm.seed=2');
  const path = assignment.slice(0, eq).trim();
  const keys = segments(path);
  if (keys.length === 0) throw new SetError(assignment, `"${path}" is not a dotted field path`);
  const forbidden = keys.find((k) => typeof k === 'string' && FORBIDDEN.includes(k));
  if (forbidden !== undefined) throw new SetError(assignment, `"${forbidden}" is not a field name (it would reach JavaScript's object prototype)`);
  const value = parseSetValue(assignment.slice(eq + 1));
  let here: unknown = doc;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const last = i === keys.length - 1;
    const where = keys.slice(0, i).join('.') || 'the manifest';
    if (typeof key === 'number') {
      if (!Array.isArray(here)) throw new SetError(assignment, `${where} is not a list`);
      if (key > here.length) throw new SetError(assignment, `${where} has ${here.length} items; index ${key} would leave a gap`);
      if (last) here[key] = value;
      else here = here[key] ??= typeof keys[i + 1] === 'number' ? [] : {};
    } else {
      if (!isObj(here)) throw new SetError(assignment, `${where} is not a mapping`);
      // Only own fields are walked into: an inherited one (toString) is not the manifest's.
      if (last) here[key] = value;
      else here = Object.hasOwn(here, key) && here[key] !== undefined && here[key] !== null ? here[key] : (here[key] = typeof keys[i + 1] === 'number' ? [] : {});
    }
  }
}
