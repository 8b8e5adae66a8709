// Runs the CLI as a user does: the built ./bin/rwenas in a child process.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/rwenas');

export interface CliResult {
  readonly status: number | null;
  readonly signal?: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  /** Added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export function rwenas(args: readonly string[], cwd: string | CliOptions = ROOT): CliResult {
  const o = typeof cwd === 'string' ? { cwd } : cwd;
  const r = spawnSync(BIN, args, { cwd: o.cwd ?? ROOT, env: { ...process.env, ...o.env }, encoding: 'utf8', timeout: o.timeoutMs ?? 120_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** As rwenas(), without blocking this process (for tests that serve HTTP to the CLI or signal it). */
export function rwenasAsync(args: readonly string[], o: CliOptions & { onStart?: (pid: number) => void } = {}): Promise<CliResult> {
  const child = spawn(BIN, args, { cwd: o.cwd ?? ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
  o.onStart?.(child.pid!);
  return new Promise((res) =>
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      res({ status, signal, stdout, stderr });
    }),
  );
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

/** Resolves when `check` holds (polled), or rejects after timeoutMs. */
export async function until(check: () => boolean, timeoutMs = 60_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
