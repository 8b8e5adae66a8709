// What `rwenas run` writes, under faults: --resume replaces trials.jsonl instead of rewriting it
// in place (a kill mid-write used to leave 0 bytes), a full disk names the file and leaves no
// temporary behind, and an output directory that cannot exist fails at once with its path.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, linkSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rwenas, tempDir } from './helpers.js';

const EXAMPLE = 'examples/nb201-table.yaml';
const run = (out: string, extra: string[] = []) => rwenas(['run', EXAMPLE, '--out', out, '--log-format', 'json', ...extra], { timeoutMs: 60_000 });

test('--resume replaces trials.jsonl by rename: the file a kill would interrupt is never truncated in place', () => {
  const out = tempDir();
  assert.equal(run(out, ['--stop-after', '2']).status, 0);
  const file = join(out, 'trials.jsonl');
  // A cut line from an interruption, which --resume drops.
  appendFileSync(file, '{"trial":"12');
  const before = readFileSync(file, 'utf8');
  // A second name for the same inode: an in-place rewrite would change what it reads.
  linkSync(file, join(out, 'trials.link'));
  const r = run(out, ['--resume', '--stop-after', '3']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(out, 'trials.link'), 'utf8'), before, 'trials.jsonl was rewritten in place');
  assert.ok(!readFileSync(file, 'utf8').includes('{"trial":"12\n'), 'the cut line is dropped');
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), []);
});

// A 64 KiB tmpfs is a disk that fills up; mounting one needs root.
const full = tempDir();
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]).status === 0;
after(() => mounted && spawnSync('umount', [full]));

test('a full disk fails the run with exit 1 naming the file, and leaves no temporary file', { skip: mounted ? false : 'cannot mount a small tmpfs (needs root)' }, () => {
  const out = join(full, 'out');
  mkdirSync(out);
  const r = run(out);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`${out}/(trials\\.jsonl|state\\.json|summary\\.json|front\\.json|pareto\\.svg): cannot (append to|write): no space left on device \\(ENOSPC\\)`));
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), []);
});

test('--out that cannot be created fails at once with exit 2, naming the path', () => {
  for (const [dir, why] of [['/proc/nope', /no such file or directory/], ['/etc/hostname/out', /\/etc\/hostname is not a directory/]] as const) {
    const r = run(dir);
    assert.equal(r.signal ?? null, null, `${dir}: still running after 60 s`);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^--out ${dir}: cannot create directory: `));
    assert.match(r.stderr, why);
  }
});
