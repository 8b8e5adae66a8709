import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { experimentFieldsTable } from '../../../search/experiment/docs.js';
import { SPEC_SCHEMA, type SchemaNode } from '../../../search/experiment/schema.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('the README field table is current (run npm run docs:experiment after a schema change)', () => {
  const m = /<!-- experiment-fields:start[^>]*-->\n([\s\S]*?)\n<!-- experiment-fields:end -->/.exec(readme);
  assert.ok(m, 'README.md lacks the experiment-fields markers');
  assert.equal(m[1], experimentFieldsTable());
});

test('the table names every schema field', () => {
  const table = experimentFieldsTable();
  const walk = (node: SchemaNode, path: string): void => {
    for (const [k, child] of Object.entries(node.properties ?? {})) {
      assert.ok(table.includes(`| \`${path}.${k}\` |`), `${path}.${k} missing`);
      walk(child, `${path}.${k}`);
    }
  };
  walk(SPEC_SCHEMA, 'spec');
});
