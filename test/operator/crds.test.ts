// crds/ must be exactly what the generator writes from the spec schema and the status
// schemas, and every field must carry a description (kubectl explain documents the API).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { renderCrds, experimentCrd } from '../../operator/crd.js';

const root = new URL('../../', import.meta.url).pathname;

test('crds/ equals the generator output (run npm run crds:gen after changing a schema)', () => {
  for (const [file, text] of Object.entries(renderCrds())) {
    assert.ok(readFileSync(`${root}crds/${file}`, 'utf8') === text, `crds/${file} is stale: run npm run crds:gen`);
  }
});

type Node = { type?: string; description?: string; properties?: Record<string, Node>; items?: Node };

function undocumented(node: Node, path: string, out: string[]): string[] {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const p = `${path}.${name}`;
    if (name !== 'metadata' && !child.description) out.push(p);
    undocumented(child, p, out);
  }
  if (node.items) undocumented(node.items, `${path}[]`, out);
  return out;
}

test('every field of both CRDs has a description', () => {
  for (const text of Object.values(renderCrds())) {
    const crd = parse(text);
    const schema = crd.spec.versions[0].schema.openAPIV3Schema as Node;
    assert.deepEqual(undocumented(schema, crd.spec.names.kind, []), []);
  }
});

test('the experiment CRD embeds the spec schema with defaults, enums and CEL rules', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking generated YAML
  const spec = (experimentCrd() as any).spec.versions[0].schema.openAPIV3Schema.properties.spec;
  assert.equal(spec.properties.execution.properties.trialsPerJob.maximum, 16);
  // The pod template is an allow-list: nothing in it is preserved unchecked but affinity's parts.
  const template = spec.properties.execution.properties.template;
  assert.equal(template['x-kubernetes-preserve-unknown-fields'], undefined);
  assert.deepEqual(Object.keys(template.properties.spec.properties), ['containers', 'nodeSelector', 'tolerations', 'affinity', 'priorityClassName', 'imagePullSecrets', 'volumes']);
  assert.equal(template.properties.spec.properties.containers.items.properties.resources.properties.limits.additionalProperties['x-kubernetes-int-or-string'], true);
  assert.ok(spec['x-kubernetes-validations'].length >= 1);
  assert.deepEqual(spec.properties.algorithm.properties.name.enum, ['nsga2', 'random']);
});
