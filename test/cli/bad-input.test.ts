// Hostile or malformed manifests through `rwenas validate`: each is refused with exit 2 and one
// clear line naming the file or field, before any expensive parsing (issue 10, bad input;
// issue 13 item 9's manifest messages).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { applySet } from '../../search/experiment/set.js';
import { rwenas, tempDir } from './helpers.js';

const HEAD = 'apiVersion: rwenas.dev/v1alpha1\nkind: NASExperiment\nmetadata: {name: t}\n';

function file(content: string | Buffer, name = 'm.yaml'): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

function refused(args: string[]): string {
  const r = rwenas(['validate', ...args]);
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '');
  return r.stderr;
}

test('a YAML alias bomb exits 2 naming the file (it exited 1 with a stack-less yaml message)', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
  const path = file(`${lines.join('\n')}\n${HEAD}spec: {searchSpace: {name: nb201}}\n`);
  assert.equal(refused([path]), `${path}: YAML aliases expand to more than 100 copies (an alias bomb?): write the values out\n`);
});

test('input over 1 MiB is refused before parsing, also from an endless device', () => {
  const big = file(`${HEAD}spec:\n  searchSpace: {name: nb201}\n  x: "${'a'.repeat(2 * 1024 * 1024)}"\n`);
  assert.equal(refused([big]), `${big}: too large: more than 1048576 bytes (1 MiB), the most a manifest may have\n`);
  assert.equal(refused(['/dev/zero']), '/dev/zero: too large: more than 1048576 bytes (1 MiB), the most a manifest may have\n');
});

test('--set refuses __proto__, constructor and prototype segments, and Object.prototype stays clean', () => {
  assert.equal(refused(['examples/nb201-table.yaml', '--set', '__proto__.suspend=true']), '--set __proto__.suspend=true: "__proto__" is not a field name (it would reach JavaScript\'s object prototype)\n');
  assert.match(refused(['examples/nb201-table.yaml', '--set', 'spec.constructor.prototype.x=1']), /^--set spec\.constructor\.prototype\.x=1: "constructor" is not a field name/);
  for (const path of ['__proto__.polluted', 'spec.__proto__.polluted', 'constructor.prototype.polluted']) {
    const doc: Record<string, unknown> = { spec: {} };
    assert.throws(() => applySet(doc, `${path}=true`), /is not a field name/);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a __proto__ key in the YAML is an unknown field, not a prototype that sets spec.suspend', () => {
  const path = file(`${HEAD}spec: {searchSpace: {name: nb201}, __proto__: {suspend: true}}\n`);
  assert.match(refused([path]), /^spec\.__proto__: unknown field \(expected one of: searchSpace, /);
});

test('several YAML documents are named as such (not "please use YAML.parseAllDocuments()")', () => {
  const path = file(`${HEAD}spec: {searchSpace: {name: nb201}}\n---\n${HEAD}spec: {searchSpace: {name: darts}}\n`);
  assert.equal(refused([path]), `${path}: holds 2 YAML documents (separated by ---); a manifest is one NASExperiment: put each in its own file\n`);
});

test('generations=1e400 is reported as Infinity, not null', () => {
  assert.equal(refused(['examples/nb201-table.yaml', '--set', 'spec.algorithm.generations=1e400']), 'spec.algorithm.generations: must be an integer between 0 and 10000, got Infinity (not a finite number)\n');
});

test('binary garbage is refused naming the file and offset, never echoed raw', () => {
  const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 256));
  const path = file(bytes, 'garbage.bin');
  const message = refused([path]);
  assert.match(message, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a YAML text file: (bytes that are not UTF-8|control character U\\+[0-9A-F]{4}) at offset \\d+\\n$`));
  assert.match(message, /^[\x20-\x7e\n]*$/, 'only printable ASCII');
  const text = `${HEAD}spec: {searchSpace: {name: nb201}}\n\0\n`;
  const nul = file(text);
  assert.equal(refused([nul]), `${nul}: not a YAML text file: control character U+0000 at offset ${text.indexOf('\0')}\n`);
});

test('YAML nested 100,000 deep is refused with exit 2', () => {
  const path = file(`apiVersion: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
  assert.match(refused([path]), /: YAML syntax error: nested too deeply to read\n$/);
});
