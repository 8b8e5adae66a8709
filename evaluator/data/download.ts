// `spec.evaluation.dataset.source: download`: fetch the official cifar-10-binary.tar.gz once,
// check its MD5, unpack it into `dataset.path`, and reuse that directory on later runs.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import type { DatasetSpec } from '../../search/experiment/spec.js';
import { DatasetError, META_FILE, RECORD_BYTES, TEST_FILE, TRAIN_FILES } from './cifar10.js';

export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
const BATCH_BYTES = 10000 * RECORD_BYTES;
const EXPECTED = [...TRAIN_FILES, TEST_FILE, META_FILE];

/** True when `dir` holds every file of the official layout at its official size. */
export function isComplete(dir: string): boolean {
  return EXPECTED.every((f) => {
    const p = join(dir, f);
    if (!existsSync(p)) return false;
    return f === META_FILE || statSync(p).size === BATCH_BYTES;
  });
}

export interface ArchiveSource {
  readonly url: string;
  readonly md5: string;
}

/** The directory holding the batches for this dataset spec, downloading it first if asked to. */
export async function resolveDataset(spec: DatasetSpec, source: ArchiveSource = { url: CIFAR10_URL, md5: CIFAR10_MD5 }): Promise<string> {
  const { url, md5 } = source;
  if (spec.source === 'path') return spec.path;
  if (isComplete(spec.path)) return spec.path;
  mkdirSync(dirname(spec.path), { recursive: true });
  const archive = join(dirname(spec.path), `cifar-10-binary.${process.pid}.tar.gz`);
  try {
    const response = await fetch(url);
    if (!response.ok || !response.body) throw new DatasetError(url, `download failed: HTTP ${response.status}`);
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(archive));
    await installArchive(archive, spec.path, md5);
  } finally {
    rmSync(archive, { force: true });
  }
  return spec.path;
}

export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * Checks an archive's MD5 and unpacks the `cifar-10-batches-bin/` files it holds into `dest`.
 * Files are written next to `dest` first and renamed in, so an interrupted unpack leaves
 * no half-written batch behind.
 */
export async function installArchive(archive: string, dest: string, expectedMd5: string): Promise<void> {
  const md5 = await md5File(archive);
  if (md5 !== expectedMd5) throw new DatasetError(archive, `MD5 ${md5} does not match the expected ${expectedMd5} (corrupt or wrong download)`);
  const staging = `${dest}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const found = new Set<string>();
  try {
    const ex = extract();
    ex.on('entry', (header, stream, next) => {
      const name = basename(header.name);
      // Only the expected plain files, by base name: no path from the archive is trusted.
      if (header.type === 'file' && EXPECTED.includes(name) && basename(dirname(header.name)) === 'cifar-10-batches-bin') {
        found.add(name);
        pipeline(stream, createWriteStream(join(staging, name))).then(() => next(), next);
      } else {
        stream.on('end', () => next());
        stream.resume();
      }
    });
    await pipeline(createReadStream(archive), createGunzip(), ex);
    const missing = EXPECTED.filter((f) => !found.has(f));
    if (missing.length > 0) throw new DatasetError(archive, `archive lacks cifar-10-batches-bin/${missing.join(', ')}`);
    mkdirSync(dest, { recursive: true });
    for (const f of EXPECTED) renameSync(join(staging, f), join(dest, f));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
