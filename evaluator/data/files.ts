// File writes that never leave half a file or a stray temporary behind, and whose errors name
// the file. Used for the run outputs and the data set cache.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A file system error as a sentence naming the path: `DIR/x.json: cannot write: no space left on device (ENOSPC)`. */
export function fileError(path: string, action: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  const why = e.code ? `${e.message.replace(/^[A-Z]+: /, '').replace(/, \w+( '.*')?$/, '')} (${e.code})` : String(e.message ?? err);
  return new Error(`${path}: cannot ${action}: ${why}`);
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir loops for ever where a parent refuses
 * new entries with ENOENT (procfs, e.g. --out /proc/nope).
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  while (!existsSync(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
    at = dirname(at);
  }
  if (!statSync(at).isDirectory()) throw new Error(`${dir}: cannot create directory: ${at} is not a directory`);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw fileError(dir, 'create directory', err);
    }
  }
}

/** Writes `text` to a temporary file beside `path` and renames it over `path`; on failure, removes the temporary. */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw fileError(path, 'write', err);
  }
}
