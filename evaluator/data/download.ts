// Where CIFAR-10 is, and fetching it when asked: the official cifar-10-binary.tar.gz is
// downloaded once (with a deadline and a stall timeout), its MD5 checked, unpacked into the
// dataset directory, and that directory reused on later runs. Temporary files carry random
// names (the PID is 1 in every pod, so it cannot tell two downloads apart on a shared volume).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import type { DatasetSpec } from '../../search/experiment/spec.js';
import { makeDirs } from './files.js';
import { BATCH_BYTES, DatasetError, META_FILE, TEST_FILE, TRAIN_FILES } from './cifar10.js';

export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
/** Where evaluator pods find the data set: the volume the pod template mounts. */
export const POD_DATASET_PATH = '/data/cifar10/cifar-10-batches-bin';
const EXPECTED = [...TRAIN_FILES, TEST_FILE, META_FILE];
/** No response within this, or no byte for this long mid-download, fails the download (RWENAS_DOWNLOAD_TIMEOUT seconds overrides it). */
export const DOWNLOAD_TIMEOUT_MS = 30_000;
const timeoutMs = (env: NodeJS.ProcessEnv = process.env) => (Number(env.RWENAS_DOWNLOAD_TIMEOUT) > 0 ? Number(env.RWENAS_DOWNLOAD_TIMEOUT) * 1000 : DOWNLOAD_TIMEOUT_MS);

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

/** The official archive, or a mirror named by RWENAS_CIFAR10_URL (with its RWENAS_CIFAR10_MD5). */
export function archiveSource(env: NodeJS.ProcessEnv = process.env): ArchiveSource {
  if (!env.RWENAS_CIFAR10_URL) return { url: CIFAR10_URL, md5: CIFAR10_MD5 };
  return { url: env.RWENAS_CIFAR10_URL, md5: env.RWENAS_CIFAR10_MD5 ?? CIFAR10_MD5 };
}

/** The user cache of `rwenas run`: $XDG_CACHE_HOME/rwenas, default ~/.cache/rwenas. */
export function userCacheDataset(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rwenas', 'cifar10', 'cifar-10-batches-bin');
}

/**
 * The directory and source a run uses. An absent path is the pod mount (`where: 'pod'`, also
 * the default of an Evaluator created directly) or the user cache (`where: 'local'`, rwenas
 * run); an absent source downloads only into that user cache.
 */
export function datasetLocation(spec: DatasetSpec, where: 'local' | 'pod' = 'pod'): { path: string; source: 'path' | 'download'; cached: boolean } {
  const cached = spec.path === undefined && where === 'local';
  const path = spec.path ?? (cached ? userCacheDataset() : POD_DATASET_PATH);
  return { path, source: spec.source ?? (cached ? 'download' : 'path'), cached };
}

export interface DownloadProgress {
  (received: number, total: number | undefined): void;
}

/** The directory holding the batches for this dataset spec, downloading it first if asked to. */
export async function resolveDataset(
  spec: DatasetSpec,
  source: ArchiveSource = archiveSource(),
  opts: { where?: 'local' | 'pod'; onProgress?: DownloadProgress; timeoutMs?: number } = {},
): Promise<string> {
  const { path, source: kind } = datasetLocation(spec, opts.where);
  if (kind === 'path' || isComplete(path)) return path;
  makeDirs(dirname(path));
  const archive = join(dirname(path), `.cifar-10-binary.${randomBytes(6).toString('hex')}.tar.gz`);
  try {
    await download(source.url, archive, opts.timeoutMs ?? timeoutMs(), opts.onProgress);
    await installArchive(archive, path, source.md5);
  } finally {
    rmSync(archive, { force: true });
  }
  return path;
}

/** Why a download failed, with the URL and the underlying cause (fetch says only "fetch failed"). */
export class DownloadError extends Error {
  constructor(readonly url: string, readonly problem: string) {
    super(`cannot download ${url}: ${problem}`);
    this.name = 'DownloadError';
  }
}

function causeOf(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return e.message ?? 'timed out';
  const c = e.cause;
  if (c?.message) return c.code && !c.message.includes(c.code) ? `${c.code} ${c.message}` : c.message;
  return e.message ?? String(err);
}

async function download(url: string, file: string, timeoutMs: number, onProgress?: DownloadProgress): Promise<void> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new DownloadError(url, `no response within ${timeoutMs / 1000} s`)), timeoutMs);
  // Every chunk restarts the stall timer: a slow download is fine, a stalled one is not.
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new DownloadError(url, `no data for ${timeoutMs / 1000} s`)), timeoutMs);
  };
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal });
    } catch (err) {
      throw controller.signal.aborted ? controller.signal.reason : new DownloadError(url, causeOf(err));
    }
    if (!response.ok || !response.body) throw new DownloadError(url, `HTTP ${response.status}`);
    const total = Number(response.headers.get('content-length')) || undefined;
    let received = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        rearm();
        received += chunk.length;
        onProgress?.(received, total);
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), count, createWriteStream(file));
    } catch (err) {
      throw controller.signal.aborted ? controller.signal.reason : new DownloadError(url, `${causeOf(err)} (after ${received} bytes)`);
    }
    if (total !== undefined && received !== total) throw new DownloadError(url, `got ${received} of ${total} bytes`);
  } finally {
    clearTimeout(timer);
  }
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
  const staging = `${dest}.partial-${randomBytes(6).toString('hex')}`;
  makeDirs(staging);
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
    makeDirs(dest);
    for (const f of EXPECTED) renameSync(join(staging, f), join(dest, f));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
