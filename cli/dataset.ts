// The data set of a local run, settled before any worker starts: an explicit
// spec.evaluation.dataset.path is read as it is; without one, CIFAR-10 lives in the user
// cache and is downloaded there (MD5-checked, with progress) on the first run. Offline, the
// run fails at once, saying what failed and how to point it at an existing copy.
import type { ExperimentSpec } from '../search/experiment/spec.js';
import type winston from 'winston';
import { CliError, EXIT } from './errors.js';
import { downloadProgress } from './progress.js';

export async function localDataset(spec: ExperimentSpec, interactive: boolean, log: winston.Logger): Promise<ExperimentSpec> {
  if (spec.evaluation.method === 'table') return spec;
  const { archiveSource, datasetLocation, DownloadError, isComplete, resolveDataset } = await import('../evaluator/data/download.js');
  const where = datasetLocation(spec.evaluation.dataset, 'local');
  const settled = (path: string): ExperimentSpec => ({ ...spec, evaluation: { ...spec.evaluation, dataset: { ...spec.evaluation.dataset, path, source: 'path' } } });
  if (where.source === 'path' || isComplete(where.path)) return settled(where.path);
  const source = archiveSource();
  log.warn('CIFAR-10 is not in the cache yet: downloading it once (about 170 MB)', { from: source.url, into: where.path });
  const bar = downloadProgress(interactive, log, 'CIFAR-10');
  try {
    await resolveDataset(spec.evaluation.dataset, source, { where: 'local', onProgress: (received, total) => bar.update(received, total) });
  } catch (err) {
    bar.stop();
    const field = where.cached ? 'spec.evaluation.dataset' : 'spec.evaluation.dataset.path';
    const why = err instanceof Error ? err.message : String(err);
    if (err instanceof DownloadError) {
      throw new CliError(
        [
          `${field}: CIFAR-10 is not in ${where.path}, and ${why}.`,
          `  With a copy of cifar-10-batches-bin on this machine: --set spec.evaluation.dataset.path=DIR (or set it in the manifest);`,
          `  or set RWENAS_CIFAR10_URL (and RWENAS_CIFAR10_MD5) to a reachable copy of cifar-10-binary.tar.gz.`,
        ],
        EXIT.failed,
      );
    }
    throw new CliError([`${field}: ${why}`], EXIT.failed);
  }
  bar.stop();
  return settled(where.path);
}
