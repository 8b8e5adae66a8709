// The algorithms `spec.algorithm.name` may name.
import type { AlgorithmName } from '../experiment/spec.js';
import type { Algorithm } from './algorithm.js';
import { NSGA2 } from './nsga2.js';
import { RANDOM_SEARCH } from './random.js';

export const ALGORITHMS: Readonly<Record<AlgorithmName, Algorithm>> = { nsga2: NSGA2, random: RANDOM_SEARCH };
