// Reading a manifest file for the CLI: file errors name the file; manifest problems become
// one line each, prefixed by nothing but the field path (as `rwenas validate` prints them).
import { readFile } from 'node:fs/promises';
import { loadManifest, ManifestError, resolveManifest } from '../search/experiment/load.js';
import { API_VERSION, KIND, type ExperimentManifest } from '../search/experiment/spec.js';
import type { GenomeCheck } from '../search/experiment/validate.js';
import { spaceByName } from '../search/spaces/index.js';
import { CliError, EXIT } from './errors.js';

/** Validates a genome with its space's parser (an unknown space is reported elsewhere). */
export const checkGenome: GenomeCheck = (space, genome) => {
  let parser;
  try {
    parser = spaceByName(space);
  } catch {
    return;
  }
  parser.parse(genome);
};

export async function readManifest(file: string, sets: readonly string[] = []): Promise<ExperimentManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError([`${file}: cannot read: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`], EXIT.invalid);
  }
  try {
    return loadManifest(text, file, { sets, checkGenome });
  } catch (err) {
    if (err instanceof ManifestError) throw new CliError(err.problems, EXIT.invalid);
    throw err;
  }
}

/** A manifest made of a search space alone plus --set overrides (for `rwenas complexity`). */
export function bareManifest(space: string, sets: readonly string[] = []): ExperimentManifest {
  try {
    const doc = { apiVersion: API_VERSION, kind: KIND, metadata: { name: 'complexity' }, spec: { searchSpace: { name: space } } };
    return resolveManifest(doc, { sets, checkGenome });
  } catch (err) {
    if (err instanceof ManifestError) throw new CliError(err.problems, EXIT.invalid);
    throw err;
  }
}
