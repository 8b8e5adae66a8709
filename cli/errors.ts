// Exit codes of `rwenas` (documented in the README):
//   0 success; 1 a run or evaluation failed (I/O, data, too many failed trials);
//   2 invalid input: a manifest that does not validate, a bad flag or --set;
//   130 interrupted (SIGINT), 143 terminated (SIGTERM); the last completed generation is in state.json.
export const EXIT = { ok: 0, failed: 1, invalid: 2, interrupted: 130, terminated: 143 } as const;

/** An error that ends the command with a given exit code and message lines (no stack trace). */
export class CliError extends Error {
  constructor(
    readonly lines: readonly string[],
    readonly exitCode: number,
  ) {
    super(lines.join('\n'));
    this.name = 'CliError';
  }
}

/** Collects repeated `--set` / `--genome` options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A flag's integer >= 1, or the fallback when it is absent. */
export function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError([`${flag}: expected an integer >= 1, got ${JSON.stringify(value)}`], EXIT.invalid);
  return n;
}

/** Seconds (a positive number) of a flag such as --genome-timeout. */
export function positiveSeconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError([`${flag}: expected a number of seconds > 0, got ${JSON.stringify(value)}`], EXIT.invalid);
  return n;
}
