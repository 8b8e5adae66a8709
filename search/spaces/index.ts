// The registry of search spaces, by name.
import type { SearchSpace, SpaceName } from '../space.js';
import { darts } from './darts.js';
import { mobilenetv3 } from './mobilenetv3.js';
import { nb201 } from './nb201.js';

export const SPACES: Readonly<Record<SpaceName, SearchSpace>> = {
  nb201: nb201 as SearchSpace,
  darts: darts as SearchSpace,
  mobilenetv3: mobilenetv3 as SearchSpace,
};

/** The space called `name`; throws naming the known spaces otherwise. */
export function spaceByName(name: string): SearchSpace {
  const space = (SPACES as Record<string, SearchSpace | undefined>)[name];
  if (!space) throw new RangeError(`unknown search space ${JSON.stringify(name)}: expected one of ${Object.keys(SPACES).join(', ')}`);
  return space;
}
