// Runs the CLI as a user does: the built ./bin/rwenas in a child process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/rwenas');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function rwenas(args: readonly string[], cwd = ROOT): CliResult {
  const r = spawnSync(BIN, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rwenas-cli-'));
}

/** Shared data: $RWENAS_DATA, else ../shared/data beside the repository. */
export const DATA = resolve(ROOT, process.env.RWENAS_DATA ?? '../shared/data');
export const TABLE = join(DATA, 'nasbench201/nb201-cifar10.csv');

/** In CI missing data fails the test; elsewhere the test is skipped with a message saying what is missing. */
export function needData(path: string): string | false {
  if (existsSync(path)) return false;
  const message = `${path} not found: set RWENAS_DATA to the shared data directory (see ../shared/data/README.md)`;
  if (process.env.CI) throw new Error(message);
  return message;
}
