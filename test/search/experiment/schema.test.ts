// The schema, the spec type and the defaults must describe the same fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SPEC_DEFAULTS } from '../../../search/experiment/defaults.js';
import { RULE_CHECKS, SPEC_SCHEMA, type SchemaNode } from '../../../search/experiment/schema.js';
import type { ExperimentSpec } from '../../../search/experiment/spec.js';
import { applyDefaults, validateSpec } from '../../../search/experiment/validate.js';

// Schema leaves and fields without a default (every other field has one).
const NO_DEFAULT = [
  'searchSpace.name',
  ...['final', 'proxy'].flatMap((s) => ['channels', 'cells', 'widthMultiplier', 'numClasses', 'inputSize'].map((f) => `searchSpace.${s}.${f}`)),
  'constraints.maxParams',
  'constraints.maxFlops',
  'constraints.maxError',
  'algorithm.offspringSize',
  'algorithm.referencePoint',
  'algorithm.referencePoint.error',
  'algorithm.referencePoint.params',
  'algorithm.referencePoint.flops',
  // Absent = resolved where the evaluation runs: the pod mount, or the user cache under rwenas run.
  'evaluation.dataset.source',
  'evaluation.dataset.path',
  // Absent = the NAS-Bench-201 table shipped in data/.
  'evaluation.table.path',
];

function schemaFields(node: SchemaNode, prefix = ''): [string, SchemaNode][] {
  return Object.entries(node.properties ?? {}).flatMap(([k, child]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    // The pod template's fields have no defaults (absent = the pod's own); template.ts documents them.
    return [[path, child] as [string, SchemaNode], ...(child['x-kubernetes-preserve-unknown-fields'] || path === 'execution.template' ? [] : schemaFields(child, path))];
  });
}

function valueFields(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...(path === 'execution.template' ? [] : valueFields(v, path))];
  });
}

const get = (obj: unknown, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);

test('every schema field has a description, and a default unless documented otherwise', () => {
  for (const [path, node] of schemaFields(SPEC_SCHEMA)) {
    assert.ok(node.description.length > 10, `${path} has no description`);
    if (node.items) assert.ok(node.items.description, `${path}[] has no description`);
    // searchSpace itself is required (its name has no default), so it has no default either.
    assert.equal(node.default === undefined, path === 'searchSpace' || NO_DEFAULT.includes(path), `${path}: default presence`);
  }
});

test('defaults object and schema name the same fields with the same values', () => {
  const schemaPaths = schemaFields(SPEC_SCHEMA).map(([p]) => p).filter((p) => !NO_DEFAULT.includes(p));
  const defaultPaths = valueFields(SPEC_DEFAULTS);
  assert.deepEqual([...defaultPaths].sort(), [...schemaPaths].sort());
  for (const [path, node] of schemaFields(SPEC_SCHEMA)) {
    if (node.default !== undefined && node.type !== 'object') assert.deepEqual(node.default, get(SPEC_DEFAULTS, path), path);
  }
});

test('applying defaults to a bare spec gives an ExperimentSpec equal to the typed defaults', () => {
  const spec = applyDefaults({ searchSpace: { name: 'nb201' } }) as ExperimentSpec;
  // Type-checks: the typed defaults plus the two fields without a static default form an ExperimentSpec.
  const expected: ExperimentSpec = {
    ...SPEC_DEFAULTS,
    searchSpace: { ...SPEC_DEFAULTS.searchSpace, name: 'nb201' },
    algorithm: { ...SPEC_DEFAULTS.algorithm, offspringSize: SPEC_DEFAULTS.algorithm.populationSize },
  };
  assert.deepEqual(spec, expected);
  assert.deepEqual(validateSpec(spec), []);
});

test('the schema is structural JSON: every CEL rule has a TypeScript twin, no functions leak into it', () => {
  const json = JSON.parse(JSON.stringify(SPEC_SCHEMA));
  assert.deepEqual(json, SPEC_SCHEMA);
  // Transition rules (oldSelf: search/experiment/fixed.ts) have no twin: a manifest alone has no old version.
  const rules = JSON.stringify(SPEC_SCHEMA).match(/"rule":"(?:[^"\\]|\\.)*"/g) ?? [];
  assert.equal(rules.filter((r) => !r.includes('oldSelf')).length, RULE_CHECKS.size);
  assert.ok(rules.filter((r) => r.includes('oldSelf')).length >= 5, 'the fixed fields have transition rules');
  const allowed = new Set(['type', 'description', 'properties', 'required', 'items', 'default', 'enum', 'minimum', 'maximum', 'minItems', 'maxItems', 'minLength', 'maxLength', 'maxProperties', 'pattern', 'additionalProperties', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type', 'x-kubernetes-validations']);
  const walk = (n: SchemaNode): void => {
    for (const k of Object.keys(n)) assert.ok(allowed.has(k), `unexpected schema keyword ${k}`);
    Object.values(n.properties ?? {}).forEach(walk);
    if (n.items) walk(n.items);
    if (n.additionalProperties) walk(n.additionalProperties);
  };
  walk(SPEC_SCHEMA);
});
