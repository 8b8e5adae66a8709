// `rwenas run` in a real terminal (tmux, 80x24): the progress line fits the width and is never
// wrapped or cut, warnings are printed above it (not onto it), the run ends with a summary,
// and the shell prompt comes back on a fresh line below it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { ROOT, tempDir, until } from './helpers.js';

const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
const noTmux = tmux('-V').status === 0 ? false : 'tmux is not installed';

/** Runs `cmd` in a fresh 80x24 tmux session until it prints EXIT=n; returns the joined pane lines. */
async function inTerminal(cmd: string, timeoutMs = 60_000): Promise<string[]> {
  const session = `rwenas-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  assert.equal(tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', 'bash --norc --noprofile').status, 0);
  try {
    tmux('send-keys', '-t', session, `PS1='$ '; cd ${ROOT}; clear`, 'Enter');
    tmux('send-keys', '-t', session, `${cmd}; echo EXIT=$?`, 'Enter');
    const pane = (joined: boolean) => tmux('capture-pane', '-p', '-S', '-', ...(joined ? ['-J'] : []), '-t', session).stdout;
    await until(() => /^EXIT=\d+$/m.test(pane(false)), timeoutMs, 'the run to end');
    await new Promise((r) => setTimeout(r, 300));
    // -J joins lines the terminal wrapped: a line longer than 80 here was wrapped.
    return pane(true).split('\n');
  } finally {
    tmux('kill-session', '-t', session);
  }
}

test('the progress line fits 80 columns, warnings go above it, a summary closes the run and the prompt follows', { skip: noTmux }, async () => {
  // Half of the shipped table: the other half's cells fail ("not in the table"), each a warning.
  const rows = gunzipSync(readFileSync(join(ROOT, 'data/nb201-cifar10.csv.gz'))).toString('utf8').split(/\r?\n/);
  const dir = tempDir();
  const half = join(dir, 'half.csv');
  writeFileSync(half, rows.filter((_, i) => i === 0 || i % 2 === 1).join('\n'));
  const out = join(dir, 'out');
  const lines = await inTerminal(`./bin/rwenas run examples/nb201-table.yaml --out ${out} --set spec.evaluation.table.path=${half} --set spec.execution.maxFailedTrials=1000 --set spec.algorithm.generations=30`);
  const bars = lines.filter((l) => /^gen \d+\/30 \[[#-]*\]/.test(l));
  assert.ok(bars.length >= 1, `no progress line in:\n${lines.join('\n')}`);
  for (const b of bars) {
    assert.ok(b.length <= 79, `progress line of ${b.length} columns: ${b}`);
    assert.match(b, /evals \| front \d+ \| hv [\d.e+-]+ \| ETA \S+$/, 'the whole line, not cut');
  }
  assert.ok(lines.every((l) => !(/\[[#-]{5,}\]/.test(l) && /warn/.test(l))), 'a warning written onto the progress line');
  const warnings = lines.map((l, i) => (l.startsWith('warn trial failed') ? i : -1)).filter((i) => i >= 0);
  assert.ok(warnings.length > 10);
  const lastBar = lines.lastIndexOf(bars[bars.length - 1]);
  assert.ok(warnings.every((i) => i < lastBar), 'every warning is above the final progress line');
  const tail = lines.slice(lastBar + 1).filter((l) => l.trim() !== '');
  assert.match(tail[0], /^Done after generation 30: 620 evaluations \(\d+ failed\), front of \d+, hypervolume [\d.e+]+\.$/);
  assert.equal(tail[1], `Results in ${out}: front.json, summary.json, pareto.svg, trials.jsonl.`);
  assert.equal(tail[2], 'EXIT=0');
  assert.equal(tail[3].trim(), '$', 'the prompt on a fresh line after the run');
});

test('the first run shows the CIFAR-10 download as a progress line that fits 80 columns', { skip: noTmux }, async () => {
  // Batches of the official size (10,000 records), one class per batch: they compress to little.
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c) => chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => p.on('end', () => r()));
  const files = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
  files.forEach((f, i) => p.entry({ name: `cifar-10-batches-bin/${f}` }, Buffer.alloc(10000 * 3073, i)));
  p.entry({ name: 'cifar-10-batches-bin/batches.meta.txt' }, Buffer.from('a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n'));
  p.finalize();
  await ended;
  const archive = gzipSync(Buffer.concat(chunks), { level: 1 });
  const md5 = createHash('md5').update(archive).digest('hex');
  // Sent in slices, so that the line is drawn while bytes arrive.
  const server = createServer(async (_req, res) => {
    res.writeHead(200, { 'content-length': archive.length });
    for (let at = 0; at < archive.length; at += 16384) {
      res.write(archive.subarray(at, at + 16384));
      await new Promise((r) => setTimeout(r, 20));
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cifar-10-binary.tar.gz`;
  const cache = tempDir();
  try {
    const env = `XDG_CACHE_HOME=${cache} RWENAS_CIFAR10_URL=${url} RWENAS_CIFAR10_MD5=${md5}`;
    const lines = await inTerminal(`${env} ./bin/rwenas run examples/nb201-default.yaml --out ${join(cache, 'out')} --workers 1 --set spec.algorithm.populationSize=4 --set spec.algorithm.generations=0`, 120_000);
    const downloads = lines.filter((l) => /^download \[[#-]*\]/.test(l));
    assert.ok(downloads.length >= 1, `no download line in:\n${lines.join('\n')}`);
    const mb = (archive.length / 1e6).toFixed(1);
    for (const d of downloads) assert.ok(d.length <= 79, `download line of ${d.length} columns: ${d}`);
    assert.match(downloads.at(-1)!, new RegExp(`^download \\[#+\\] ${mb}/${mb} MB CIFAR-10$`));
    assert.ok(lines.some((l) => /CIFAR-10 is not in the cache yet: downloading it once/.test(l)), 'the warning above it');
    assert.ok(lines.includes('EXIT=0'), lines.join('\n'));
  } finally {
    server.close();
  }
});

