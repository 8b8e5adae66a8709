// The operator's read-only web page, on its HTTP (metrics) port: an index of the experiments
// it manages at `/`, and the same report as `rwenas report` for each at
// `/experiments/NS/NAME`, rendered from the informers' caches on every request (so it is
// live: the page reloads itself every 30 s). Only GET and HEAD; `--no-ui` (chart value
// ui.enabled=false) leaves the routes out. Reach it with `kubectl port-forward`.
import express from 'express';
import { reportHtml } from '../results/report/html.js';
import { ResultsError } from '../results/run-dir.js';
import type { ExperimentObject, TrialObject } from './types.js';
import { LABEL_EXPERIMENT } from './types.js';
import { resultsFromObjects } from './ui-results.js';

export interface UiSource {
  experiments(): readonly ExperimentObject[];
  trials(namespace: string): readonly TrialObject[];
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const REFRESH_SECONDS = 30;

export function uiRouter(source: UiSource): express.Router {
  const router = express.Router();
  // Browsers ask for it; an empty answer keeps a 404 out of the page's console.
  router.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  router.get('/', (_req, res) => {
    res.type('html').send(indexHtml(source.experiments()));
  });
  router.get('/experiments/:namespace/:name', (req, res) => {
    const { namespace, name } = req.params;
    const exp = source.experiments().find((e) => (e.metadata.namespace ?? 'default') === namespace && e.metadata.name === name);
    if (!exp) {
      res.status(404).type('html').send(page('Not found', `<p>No NASExperiment ${esc(namespace)}/${esc(name)} is managed here. <a href="/">All experiments</a></p>`));
      return;
    }
    const trials = source.trials(namespace).filter((t) => t.metadata.labels?.[LABEL_EXPERIMENT] === name);
    try {
      res.type('html').send(reportHtml(resultsFromObjects(exp, trials), { refreshSeconds: REFRESH_SECONDS, backLink: '/' }));
    } catch (err) {
      if (!(err instanceof ResultsError)) throw err;
      res.status(422).type('html').send(page(name, `<p>${esc(err.message)}</p><p><a href="/">All experiments</a></p>`));
    }
  });
  // Read-only: anything but GET/HEAD on these paths is refused.
  router.all(['/', '/experiments/:namespace/:name'], (req, res) => {
    res.set('Allow', 'GET, HEAD').status(405).send(`${req.method} not allowed: the rwenas page is read-only`);
  });
  return router;
}

function indexHtml(experiments: readonly ExperimentObject[]): string {
  const rows = [...experiments]
    .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
    .map((e) => {
      const ns = e.metadata.namespace ?? 'default';
      const s = e.status ?? {};
      const cells = [s.phase ?? 'Pending', String(s.generation ?? 0), String(s.trials?.evaluated ?? 0), String(s.trials?.failed ?? 0), String(s.frontSize ?? 0), s.hypervolume === undefined ? '' : s.hypervolume.toPrecision(6)];
      return `<tr><td><a href="/experiments/${encodeURIComponent(ns)}/${encodeURIComponent(e.metadata.name)}">${esc(ns)}/${esc(e.metadata.name)}</a></td>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
    });
  const table = rows.length === 0 ? '<p>No NASExperiments yet.</p>' : `<table><thead><tr><th>experiment</th><th>phase</th><th>generation</th><th>evaluated</th><th>failed</th><th>front</th><th>hypervolume</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return page('rwenas experiments', table, REFRESH_SECONDS);
}

function page(title: string, body: string, refresh?: number): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">${refresh ? `<meta http-equiv="refresh" content="${refresh}">` : ''}<title>${esc(title)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2329}table{border-collapse:collapse}th,td{padding:4px 10px;border-bottom:1px solid #e7eaee;text-align:left}th{background:#eef1f4}</style>
</head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}
