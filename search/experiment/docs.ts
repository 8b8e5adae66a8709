// The README's table of manifest fields, generated from SPEC_SCHEMA (`npm run docs:experiment`;
// a test checks the README is current), so the documentation cannot drift from the schema.
import { SPEC_SCHEMA, type SchemaNode } from './schema.js';

const ABSENT_MEANS: Record<string, string> = {
  'spec.searchSpace': '(required)',
  'spec.searchSpace.name': '(required)',
  'spec.algorithm.offspringSize': '= populationSize',
  'spec.algorithm.referencePoint': '(from generation 0)',
  'spec.evaluation.table.path': '(the shipped table)',
  'spec.evaluation.dataset.source': '(see description)',
  'spec.evaluation.dataset.path': '(see description)',
};

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((v) => (v === '' ? '""' : v)).join(' \\| ');
  const lo = node.minimum;
  const hi = node.maximum;
  const range = lo !== undefined && hi !== undefined ? ` ${lo}..${hi}` : lo !== undefined ? ` ≥ ${lo}` : hi !== undefined ? ` ≤ ${hi}` : '';
  if (node.type === 'array') {
    const items = node.items?.enum ? node.items.enum.join(' \\| ') : node.items?.type === 'object' ? 'objects' : typeOf(node.items!);
    const count = node.minItems !== undefined || node.maxItems !== undefined ? ` (${node.minItems ?? 0}..${node.maxItems ?? ''} items)` : '';
    return `list of ${items}${count}`;
  }
  if (node.type === 'object') {
    if (node['x-kubernetes-preserve-unknown-fields']) return 'object (any fields)';
    if (node.additionalProperties) return `map of ${typeOf(node.additionalProperties)}${node.maxProperties !== undefined ? ` (≤ ${node.maxProperties} entries)` : ''}`;
    return 'object';
  }
  if (node.type === 'int-or-string') return 'quantity (integer or string)';
  if (node.type === 'string' && node.maxLength !== undefined) return `string (≤ ${node.maxLength} chars)`;
  return `${node.type}${range}`;
}

function defaultOf(path: string, node: SchemaNode): string {
  if (node.default === undefined) return ABSENT_MEANS[path] ?? '(unset)';
  if (node.type === 'object' && node.properties) return '`{}` (fields below)';
  return `\`${JSON.stringify(node.default)}\``;
}

function rows(node: SchemaNode, path: string): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const p = `${path}.${key}`;
    const rules = (child['x-kubernetes-validations'] ?? []).map((r) => ` Rule${r.fieldPath ? ` (on \`${p}${r.fieldPath}\`)` : ''}: ${r.message}.`).join('');
    const itemRules = (child.items?.['x-kubernetes-validations'] ?? []).map((r) => ` Rule (each item): ${r.message}.`).join('');
    const row = `| \`${p}\` | ${typeOf(child)} | ${defaultOf(p, child)} | ${child.description}${rules}${itemRules} |`;
    if (child['x-kubernetes-preserve-unknown-fields']) return [row];
    // A list of objects documents its items' fields as `path[].field`.
    const below = child.items?.properties ? rows(child.items, `${p}[]`) : rows(child, p);
    return [row, ...below];
  });
}

/** The Markdown table of every manifest field, its type, default and description. */
export function experimentFieldsTable(): string {
  const spec = SPEC_SCHEMA['x-kubernetes-validations']!.map((r) => `- \`spec${r.fieldPath ?? ''}\`: ${r.message}.`).join('\n');
  return [
    '| Field | Type | Default | Description |',
    '|---|---|---|---|',
    '| `apiVersion` | string | (required) | `rwenas.dev/v1alpha1` |',
    '| `kind` | string | (required) | `NASExperiment` |',
    '| `metadata.name` | string | (required) | Experiment name (a lowercase DNS name); `rwenas run` writes to `out/<name>` by default. |',
    '| `metadata.namespace`, `.labels`, `.annotations` | | (unset) | As for any Kubernetes object. |',
    ...rows(SPEC_SCHEMA, 'spec'),
    '',
    'Cross-field rules:',
    '',
    spec,
  ].join('\n');
}
