// Finds real CIFAR-10 for the tests: $RWENAS_CIFAR10, else the shared data's `materialize`
// (idempotent, ~10 s the first time). Outside CI a missing data set skips with a message;
// in CI (CI=true) it is a failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
let cached: string | undefined | null = null;

export function cifar10Dir(): string | undefined {
  if (cached !== null) return cached;
  cached = find();
  return cached;
}

function find(): string | undefined {
  const env = process.env.RWENAS_CIFAR10;
  if (env) {
    if (existsSync(join(env, 'data_batch_1.bin'))) return env;
    return missing(`RWENAS_CIFAR10=${env} has no data_batch_1.bin`);
  }
  const script = join(root, '..', 'shared', 'data', 'cifar10', 'materialize');
  if (!existsSync(script)) return missing(`no RWENAS_CIFAR10 and no ${script}`);
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const run = spawnSync(python, [script], { encoding: 'utf8' });
  if (run.status !== 0) return missing(`${script} failed: ${run.stderr.trim().split('\n').pop()} (needs Pillow: apt-get install -y python3-pil)`);
  const dir = run.stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(join(dir, 'data_batch_1.bin'))) return missing(`${script} printed ${dir}, which has no data_batch_1.bin`);
  return dir;
}

function missing(why: string): undefined {
  if (process.env.CI === 'true') throw new Error(`CIFAR-10 is required in CI: ${why}`);
  console.warn(`skipping CIFAR-10 tests: ${why}`);
  return undefined;
}

/** `test()` options that skip when the data set is unavailable (outside CI). */
export function needsCifar(): { skip: string | false } {
  return { skip: cifar10Dir() ? false : 'CIFAR-10 not available (set RWENAS_CIFAR10 or install Pillow for materialize)' };
}
