// `rwenas run` in a real terminal (tmux, 80x24): the progress line fits the width and is never
// wrapped or cut, warnings are printed above it (not onto it), the run ends with a summary,
// and the shell prompt comes back on a fresh line below it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ROOT, tempDir, until } from './helpers.js';

const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
const noTmux = tmux('-V').status === 0 ? false : 'tmux is not installed';

test('the progress line fits 80 columns, warnings go above it, a summary closes the run and the prompt follows', { skip: noTmux }, async () => {
  // Half of the shipped table: the other half's cells fail ("not in the table"), each a warning.
  const rows = gunzipSync(readFileSync(join(ROOT, 'data/nb201-cifar10.csv.gz'))).toString('utf8').split(/\r?\n/);
  const dir = tempDir();
  const half = join(dir, 'half.csv');
  writeFileSync(half, rows.filter((_, i) => i === 0 || i % 2 === 1).join('\n'));
  const out = join(dir, 'out');
  const session = `rwenas-test-${process.pid}`;
  assert.equal(tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', 'bash --norc --noprofile').status, 0);
  try {
    tmux('send-keys', '-t', session, `PS1='$ '; cd ${ROOT}; clear`, 'Enter');
    const cmd = `./bin/rwenas run examples/nb201-table.yaml --out ${out} --set spec.evaluation.table.path=${half} --set spec.execution.maxFailedTrials=1000 --set spec.algorithm.generations=30; echo EXIT=$?`;
    tmux('send-keys', '-t', session, cmd, 'Enter');
    const pane = (joined: boolean) => tmux('capture-pane', '-p', '-S', '-', ...(joined ? ['-J'] : []), '-t', session).stdout;
    await until(() => /^EXIT=\d+$/m.test(pane(false)), 60_000, 'the run to end');
    await new Promise((r) => setTimeout(r, 300));
    // -J joins lines the terminal wrapped: a line longer than 80 here was wrapped.
    const lines = pane(true).split('\n');
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
  } finally {
    tmux('kill-session', '-t', session);
  }
});
