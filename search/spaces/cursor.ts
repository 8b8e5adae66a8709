// A reading position in a genome string, so every parse error names the 0-based offset
// and what was expected there. Shared by the spaces' parsers; plus small gene helpers.
import { GenomeError, type SpaceName } from '../space.js';
import type { Rng } from '../random.js';

export class Cursor {
  pos = 0;

  constructor(
    readonly space: SpaceName,
    readonly text: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  fail(expected: string, got: string, at = this.pos): never {
    throw new GenomeError(this.space, at, expected, got);
  }

  /** What stands at the cursor, quoted, for error messages. */
  gotHere(length = 1): string {
    return this.done ? 'end of genome' : JSON.stringify(this.text.slice(this.pos, this.pos + length));
  }

  /** Consumes `literal` or fails naming it. */
  expect(literal: string): void {
    if (!this.text.startsWith(literal, this.pos)) this.fail(`"${literal}"`, this.gotHere(literal.length));
    this.pos += literal.length;
  }

  /** Consumes `literal` if it is next. */
  accept(literal: string): boolean {
    if (!this.text.startsWith(literal, this.pos)) return false;
    this.pos += literal.length;
    return true;
  }

  /** Reads up to (not including) the next char of `stops` or the end; returns the token and its start. */
  token(stops: string): { text: string; at: number } {
    const at = this.pos;
    while (!this.done && !stops.includes(this.text[this.pos])) this.pos++;
    return { text: this.text.slice(at, this.pos), at };
  }

  /** Reads a token that must be one of `choices` (matched via `lookup`, e.g. aliases). */
  choice<T>(stops: string, expected: string, lookup: (s: string) => T | undefined): T {
    const { text, at } = this.token(stops);
    const value = lookup(text);
    if (value === undefined) this.fail(expected, text === '' ? this.gotAt(at) : JSON.stringify(text), at);
    return value;
  }

  /** Reads a run of digits as an integer that `valid` accepts, or fails naming `expected`. */
  integer(expected: string, valid: (n: number) => boolean): number {
    const at = this.pos;
    while (!this.done && this.text[this.pos] >= '0' && this.text[this.pos] <= '9') this.pos++;
    const digits = this.text.slice(at, this.pos);
    if (digits === '' || !valid(Number(digits))) this.fail(expected, digits === '' ? this.gotAt(at) : JSON.stringify(digits), at);
    return Number(digits);
  }

  private gotAt(at: number): string {
    return at >= this.text.length ? 'end of genome' : JSON.stringify(this.text[at]);
  }

  end(): void {
    if (!this.done) this.fail('end of genome', this.gotHere(8));
  }
}

/** A value of `values` other than `current` (uniform). */
export function pickOther<T>(rng: Rng, values: readonly T[], current: T): T {
  const others = values.filter((v) => v !== current);
  return rng.pick(others);
}

/** Indices of genes to change: each with probability `rate`, at least one (uniform) if none. */
export function genesToMutate(rng: Rng, count: number, rate: number): number[] {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`mutation rate must be in [0, 1], got ${rate}`);
  const chosen: number[] = [];
  for (let i = 0; i < count; i++) if (rng.next() < rate) chosen.push(i);
  if (chosen.length === 0) chosen.push(rng.int(count));
  return chosen;
}
