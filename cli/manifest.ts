// Reading a manifest file for the CLI: file errors name the file; manifest problems become
// one line each, prefixed by nothing but the field path (as `rwenas validate` prints them).
import { open } from 'node:fs/promises';
import { loadManifest, ManifestError, MAX_MANIFEST_SIZE, resolveManifest } from '../search/experiment/load.js';
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

// Reads at most MAX_MANIFEST_SIZE + 1 bytes, so a huge file (or /dev/zero) is refused without
// being read whole; bytes that are not UTF-8 become U+FFFD, which parseYaml refuses.
async function readBounded(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_MANIFEST_SIZE + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_MANIFEST_SIZE) throw new CliError([`${file}: too large: more than ${MAX_MANIFEST_SIZE} bytes (1 MiB), the most a manifest may have`], EXIT.invalid);
    return new TextDecoder('utf-8').decode(buffer.subarray(0, length));
  } finally {
    await handle.close();
  }
}

export async function readManifest(file: string, sets: readonly string[] = []): Promise<ExperimentManifest> {
  let text: string;
  try {
    text = await readBounded(file);
  } catch (err) {
    if (err instanceof CliError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError([`${file}: cannot read: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : (err as Error).message}`], EXIT.invalid);
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
