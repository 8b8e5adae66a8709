// Finds the shared data folder for tests: $RWENAS_DATA, else ../shared/data beside the
// project. Missing data skips a test with a reason outside CI and fails it in CI.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../../', import.meta.url).pathname;
export const dataDir = process.env.RWENAS_DATA ?? join(root, '..', 'shared', 'data');

/** The text of `relPath` under the data folder, or a skip reason (throws in CI). */
export function readShared(relPath: string): { text: string } | { skip: string } {
  const path = join(dataDir, relPath);
  if (existsSync(path)) return { text: readFileSync(path, 'utf8') };
  const reason = `${path} is missing (set RWENAS_DATA to the shared data folder)`;
  if (process.env.CI) throw new Error(reason);
  return { skip: reason };
}
