// Network sizes: a space's defaults for the final or proxy network, overridden per call.
import type { NetworkOptions, NetworkSize, SpaceName } from '../space.js';

export type Sizes = Readonly<Record<NetworkSize, Required<NetworkOptions>>>;

/** Merges `options` over the defaults of `size`; throws RangeError naming a bad field. */
export function resolveOptions(
  space: SpaceName,
  defaults: Sizes,
  size: NetworkSize,
  options: NetworkOptions = {},
  /** Fields this space does not use: setting them to anything but the default is an error. */
  unused: readonly (keyof NetworkOptions)[] = [],
): Required<NetworkOptions> {
  const base = defaults[size];
  if (!base) throw new RangeError(`${space}: network size must be final or proxy, got ${JSON.stringify(size)}`);
  const merged: { -readonly [K in keyof NetworkOptions]-?: number } = { ...base };
  for (const [key, value] of Object.entries(options) as [keyof NetworkOptions, number | undefined][]) {
    if (value === undefined) continue;
    if (!(key in base)) throw new RangeError(`${space} network options: unknown field ${key}`);
    const ok = key === 'widthMultiplier' ? Number.isFinite(value) && value > 0 : Number.isInteger(value) && value >= 1;
    if (!ok) {
      const what = key === 'widthMultiplier' ? 'a positive number' : 'a positive integer';
      throw new RangeError(`${space} network options: ${key} must be ${what}, got ${JSON.stringify(value)}`);
    }
    if (unused.includes(key) && value !== base[key]) {
      throw new RangeError(`${space} network options: ${key} does not apply to this space (got ${JSON.stringify(value)})`);
    }
    merged[key] = value;
  }
  return merged;
}
