// Stable genome hashes: the same on every machine and run. A trial's name, its weight
// seed and the duplicate check all derive from the canonical genome string.
import { createHash } from 'node:crypto';
import type { SpaceName } from './space.js';

/** 16 lowercase hex digits (64 bits) of SHA-256 over `space:canonical`; DNS-label safe. */
export function genomeHash(space: SpaceName, canonical: string): string {
  return createHash('sha256').update(`${space}:${canonical}`).digest('hex').slice(0, 16);
}

/** The first 32 bits of a genome hash as a number, for seeding. */
export function hashSeed(hash: string): number {
  return parseInt(hash.slice(0, 8), 16) >>> 0;
}
