// Where `rwenas export` and `rwenas report` read a search's results from: a local run's
// directory, or a NASExperiment (and its NASTrials) through the kubeconfig.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ResultsError } from '../results/run-dir.js';
import type { SearchResults } from '../results/search-results.js';
import { CliError, EXIT } from './errors.js';

export interface SourceOptions {
  from?: string;
  experiment?: string;
  namespace?: string;
  kubeconfig?: string;
}

export async function loadResults(opts: SourceOptions): Promise<SearchResults> {
  try {
    if (opts.from !== undefined) {
      const dir = resolve(opts.from);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError([`${opts.from}: not a directory (expected the output directory of rwenas run)`], EXIT.invalid);
      const { loadRunDir } = await import('../results/run-dir.js');
      return loadRunDir(dir);
    }
    if (opts.experiment !== undefined) {
      const k8s = await import('@kubernetes/client-node');
      const kc = new k8s.KubeConfig();
      try {
        if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
        else kc.loadFromDefault();
      } catch (err) {
        throw new CliError([`--kubeconfig: cannot load ${opts.kubeconfig ?? 'the default kubeconfig'}: ${(err as Error).message}`], EXIT.invalid);
      }
      const { fetchResults } = await import('../operator/ui-results.js');
      return await fetchResults(kc, opts.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default', opts.experiment);
    }
  } catch (err) {
    if (err instanceof ResultsError) throw new CliError([err.message], EXIT.invalid);
    throw err;
  }
  throw new CliError(['expected --from DIR or --experiment NAME'], EXIT.invalid);
}
