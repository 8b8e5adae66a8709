#!/usr/bin/env node
// Derives the NAS-Bench-201 table that the `table` method reads by default,
// data/nb201-cifar10.csv.gz, from the shared data's nb201-cifar10.csv, and checks it:
//   node scripts/nb201-table.mjs [SOURCE.csv]          write data/nb201-cifar10.csv.gz
//   node scripts/nb201-table.mjs --check [SOURCE.csv]  verify the shipped file (exit 1 if not)
// The check: 15,625 rows with the NB201 header, distinct cells, accuracies in [0, 100], and
// (when SOURCE exists) the shipped file unpacks byte for byte to SOURCE. The gzip stream is
// deterministic (no name, mtime 0), so re-deriving gives the same bytes.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync, constants } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const SHIPPED = `${root}data/nb201-cifar10.csv.gz`;
const HEADER = 'index,arch,test_acc_200ep,test_acc_12ep';
const CELLS = 15625;

const args = process.argv.slice(2);
const check = args.includes('--check');
const source = args.find((a) => a !== '--check') ?? `${root}../shared/data/nasbench201/nb201-cifar10.csv`;

/** Problems with a table's text, one line each (empty: it is the NB201 table). */
function problems(text) {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const out = [];
  if (lines[0] !== HEADER) out.push(`header is ${JSON.stringify(lines[0])}, expected ${HEADER}`);
  const rows = lines.slice(1);
  if (rows.length !== CELLS) out.push(`${rows.length} rows, expected ${CELLS}`);
  const archs = new Set();
  rows.forEach((row, i) => {
    const [index, arch, acc200, acc12, ...rest] = row.split(',');
    const at = `line ${i + 2}`;
    if (rest.length > 0 || acc12 === undefined) out.push(`${at}: expected 4 columns`);
    if (!/^\d+$/.test(index ?? '')) out.push(`${at}: index ${JSON.stringify(index)}`);
    if (!/^\|[a-z_0-9x~|+]+\|$/.test(arch ?? '')) out.push(`${at}: arch ${JSON.stringify(arch)}`);
    if (archs.has(arch)) out.push(`${at}: arch ${arch} repeated`);
    archs.add(arch);
    for (const v of [acc200, acc12]) if (!(Number(v) >= 0 && Number(v) <= 100)) out.push(`${at}: accuracy ${JSON.stringify(v)} not in [0, 100]`);
  });
  return out.slice(0, 20);
}

const sha = (b) => createHash('sha256').update(b).digest('hex');

function fail(lines) {
  for (const l of lines) console.error(l);
  process.exit(1);
}

if (check) {
  if (!existsSync(SHIPPED)) fail([`${SHIPPED}: missing (run node scripts/nb201-table.mjs)`]);
  const gz = readFileSync(SHIPPED);
  const text = gunzipSync(gz);
  const bad = problems(text.toString('utf8'));
  if (bad.length) fail(bad.map((p) => `${SHIPPED}: ${p}`));
  if (existsSync(source)) {
    const src = readFileSync(source);
    if (!text.equals(src)) fail([`${SHIPPED}: unpacks to sha256 ${sha(text)}, but ${source} is ${sha(src)}`]);
    if (!gzipSync(src, { level: constants.Z_BEST_COMPRESSION }).equals(gz)) fail([`${SHIPPED}: not the deterministic gzip of ${source} (re-derive it)`]);
  }
  console.log(`${SHIPPED}: ok, ${CELLS} cells, ${gz.length} bytes, csv sha256 ${sha(text)}${existsSync(source) ? ` (= ${source})` : ''}`);
} else {
  if (!existsSync(source)) fail([`${source}: no such file (give the path of nb201-cifar10.csv)`]);
  const src = readFileSync(source);
  const bad = problems(src.toString('utf8'));
  if (bad.length) fail(bad.map((p) => `${source}: ${p}`));
  const gz = gzipSync(src, { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(`${SHIPPED}.tmp`, gz);
  renameSync(`${SHIPPED}.tmp`, SHIPPED);
  console.log(`${SHIPPED}: ${gz.length} bytes from ${source} (${src.length} bytes, sha256 ${sha(src)})`);
}
