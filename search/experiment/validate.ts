// Applies the schema's defaults and checks a spec against SPEC_SCHEMA and its cross-field
// rules, reporting every problem, one line each: `spec.<path>: <what was expected>, got <value>`.
import { brief } from '../brief.js';
import { RULE_CHECKS, RULE_USES, SPEC_SCHEMA, type CelRule, type SchemaNode } from './schema.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A copy of `value` with the schema's defaults filled in, as the Kubernetes API server does. */
export function applyDefaults(value: unknown, node: SchemaNode = SPEC_SCHEMA): unknown {
  // As in Kubernetes, a null field counts as absent (pruned, then defaulted).
  if ((value === undefined || value === null) && node.default !== undefined) value = structuredClone(node.default);
  if (node.type === 'object' && isObj(value) && node.properties && !node['x-kubernetes-preserve-unknown-fields']) {
    const out: Record<string, unknown> = {};
    // defineProperty, not assignment: a key `__proto__` (YAML and JSON.parse make it an own
    // field) must stay a field that validation reports, not become the copy's prototype.
    for (const [key, v] of Object.entries(value)) if (v !== null) Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    for (const [key, child] of Object.entries(node.properties)) {
      const v = applyDefaults(out[key], child);
      if (v !== undefined) out[key] = v;
    }
    if (node === SPEC_SCHEMA) defaultOffspring(out);
    return out;
  }
  return value;
}

// offspringSize defaults to populationSize, which a static schema default cannot say.
function defaultOffspring(spec: Record<string, unknown>): void {
  const algorithm = spec.algorithm;
  const population = isObj(algorithm) ? algorithm.populationSize : undefined;
  // Only a valid population is copied: a wrong one is reported once, under its own name.
  const max = SPEC_SCHEMA.properties?.algorithm.properties?.offspringSize.maximum ?? Infinity;
  if (isObj(algorithm) && algorithm.offspringSize === undefined && typeof population === 'number' && population >= 2 && population <= max) {
    spec.algorithm = { ...algorithm, offspringSize: algorithm.populationSize };
  }
}

// Levenshtein distance, for suggesting the field a typo meant.
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** `unknown field (did you mean X? expected one of: ...)`. */
export function unknownField(key: string, known: readonly string[]): string {
  const k = key.toLowerCase();
  const close = known.filter((f) => {
    const g = f.toLowerCase();
    return distance(k, g) <= 2 || (k.length >= 3 && (g.startsWith(k.slice(0, 3)) || g.includes(k) || k.includes(g)));
  });
  const hint = close.length > 0 && close.length <= 2 ? `did you mean ${close.join(' or ')}? ` : '';
  return `unknown field (${hint}expected one of: ${known.join(', ')})`;
}

/** `got` part of a problem: the offending value, short. */
export function shown(value: unknown): string {
  return brief(value);
}

function range(node: SchemaNode): string {
  const { minimum: lo, maximum: hi } = node;
  if (lo !== undefined && hi !== undefined) return ` between ${lo} and ${hi}`;
  if (lo !== undefined) return ` >= ${lo}`;
  if (hi !== undefined) return ` <= ${hi}`;
  return '';
}

/** What a scalar field expects, in words. */
export function expectation(node: SchemaNode): string {
  const local = node['x-kubernetes-validations']?.find((r) => r.fieldPath === undefined);
  if (local) return local.message;
  if (node.enum) return `must be one of ${node.enum.join(', ')}`;
  switch (node.type) {
    case 'integer':
      return `must be an integer${range(node)}`;
    case 'number':
      return `must be a number${range(node)}`;
    case 'string':
      return `must be a ${node.minLength ? 'non-empty ' : ''}string${node.maxLength !== undefined ? ` of at most ${node.maxLength} characters` : ''}`;
    case 'int-or-string':
      return `must be an integer or a string${node.pattern ? ' such as 2, 500m or 8Gi' : ''}`;
    case 'boolean':
      return 'must be true or false';
    case 'array':
      return 'must be a list';
    default:
      return 'must be a mapping';
  }
}

function stringOk(node: SchemaNode, v: string): boolean {
  if (node.minLength !== undefined && v.length < node.minLength) return false;
  if (node.maxLength !== undefined && v.length > node.maxLength) return false;
  return node.pattern === undefined || new RegExp(node.pattern).test(v);
}

function scalarOk(node: SchemaNode, v: unknown): boolean {
  switch (node.type) {
    case 'integer':
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || (node.type === 'integer' && !Number.isInteger(v))) return false;
      if ((node.minimum !== undefined && v < node.minimum) || (node.maximum !== undefined && v > node.maximum)) return false;
      break;
    case 'string':
      if (typeof v !== 'string' || !stringOk(node, v)) return false;
      break;
    case 'int-or-string':
      if (typeof v === 'string' ? !stringOk(node, v) : !Number.isInteger(v)) return false;
      break;
    case 'boolean':
      if (typeof v !== 'boolean') return false;
      break;
  }
  return node.enum === undefined || node.enum.includes(v as string | number);
}

// A rule runs only on well-formed input (none of the fields it reads has a problem), so it
// never restates a problem already reported.
function runRules(rules: readonly CelRule[] | undefined, value: unknown, path: string, problems: string[], from: number): void {
  const found = problems.slice(from);
  for (const r of rules ?? []) {
    if (r.fieldPath === undefined) continue;
    const uses = RULE_USES.get(r) ?? [];
    const clean = uses.length > 0 ? uses.every((u) => !found.some((p) => p.startsWith(`${path}${u}`))) : found.length === 0;
    if (clean && RULE_CHECKS.get(r)?.(value) === false) problems.push(`${path}${r.fieldPath}: ${r.message}`);
  }
}

function walkProperties(node: SchemaNode, value: Record<string, unknown>, path: string, problems: string[]): void {
  const props = node.properties ?? {};
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(props, key)) problems.push(`${path}.${key}: ${unknownField(key, Object.keys(props))}`);
  }
  for (const key of node.required ?? []) {
    if (value[key] === undefined || value[key] === null) problems.push(`${path}.${key}: required (${expectation(props[key])})`);
  }
  for (const [key, child] of Object.entries(props)) walk(child, value[key], `${path}.${key}`, problems);
}

// A mapping with free keys (labels, resource lists): keys are shown as `path["key"]`.
function walkMap(node: SchemaNode, value: Record<string, unknown>, path: string, problems: string[]): void {
  const keys = Object.keys(value);
  if (node.maxProperties !== undefined && keys.length > node.maxProperties) problems.push(`${path}: must have at most ${node.maxProperties} entries, got ${keys.length}`);
  for (const key of keys.slice(0, node.maxProperties ?? keys.length)) walk(node.additionalProperties!, value[key], `${path}[${JSON.stringify(key)}]`, problems);
}

/** Walks `value` against `node`, pushing problems. */
export function walk(node: SchemaNode, value: unknown, path: string, problems: string[]): void {
  if (value === undefined) return;
  const before = problems.length;
  if (node.type === 'object') {
    if (!isObj(value)) {
      problems.push(`${path}: must be a mapping, got ${shown(value)}`);
      return;
    }
    if (node['x-kubernetes-preserve-unknown-fields']) return;
    if (node.additionalProperties) {
      walkMap(node, value, path, problems);
    } else {
      walkProperties(node, value, path, problems);
    }
  } else if (node.type === 'array') {
    if (!Array.isArray(value)) {
      problems.push(`${path}: must be a list, got ${shown(value)}`);
      return;
    }
    const { minItems: lo, maxItems: hi } = node;
    if ((lo !== undefined && value.length < lo) || (hi !== undefined && value.length > hi)) {
      const want = lo !== undefined && hi !== undefined ? `${lo} to ${hi}` : lo !== undefined ? `at least ${lo}` : `at most ${hi}`;
      problems.push(`${path}: must have ${want} items, got ${value.length}`);
    }
    // Beyond maxItems only the count is reported: a hostile list is not walked to its end.
    value.slice(0, hi ?? value.length).forEach((item, i) => walk(node.items!, item, `${path}[${i}]`, problems));
  } else {
    const local = node['x-kubernetes-validations']?.filter((r) => r.fieldPath === undefined) ?? [];
    const ok = scalarOk(node, value) && local.every((r) => RULE_CHECKS.get(r)?.(value) !== false);
    if (!ok) problems.push(`${path}: ${expectation(node)}, got ${shown(value)}`);
    return;
  }
  const local = node['x-kubernetes-validations']?.filter((r) => r.fieldPath === undefined) ?? [];
  if (problems.length === before) {
    for (const r of local) if (RULE_CHECKS.get(r)?.(value) === false) problems.push(`${path}: ${r.message}`);
  }
  runRules(node['x-kubernetes-validations'], value, path, problems, before);
}

/** Parses one genome of a space, throwing with a readable message when it is not valid. */
export type GenomeCheck = (space: string, genome: string) => void;

/**
 * Every problem of a spec (defaults already applied), one line each, paths starting at `spec`.
 * `checkGenome`, when given, validates `algorithm.initialGenomes` with the space's parser.
 */
export function validateSpec(spec: unknown, checkGenome?: GenomeCheck): string[] {
  const problems: string[] = [];
  walk(SPEC_SCHEMA, spec, 'spec', problems);
  if (checkGenome && isObj(spec) && isObj(spec.searchSpace) && isObj(spec.algorithm)) {
    const space = spec.searchSpace.name;
    const genomes = spec.algorithm.initialGenomes;
    const spaceOk = !problems.some((p) => p.startsWith('spec.searchSpace.name:'));
    if (typeof space === 'string' && spaceOk && Array.isArray(genomes)) {
      const limit = SPEC_SCHEMA.properties?.algorithm.properties?.initialGenomes.maxItems ?? genomes.length;
      genomes.slice(0, limit).forEach((g, i) => {
        // A genome the schema refused (too long, not a string) is not parsed as well.
        if (typeof g !== 'string' || problems.some((p) => p.startsWith(`spec.algorithm.initialGenomes[${i}]`))) return;
        try {
          checkGenome(space, g);
        } catch (err) {
          problems.push(`spec.algorithm.initialGenomes[${i}]: ${(err as Error).message}`);
        }
      });
    }
  }
  return problems;
}
