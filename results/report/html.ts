// The report of a set of search results: one self-contained HTML file (Vega, Vega-Lite and Vega-Embed inlined
// from node_modules; no network). An interactive Pareto front, hypervolume and front size
// per generation, objective distributions per generation, the run summary, the estimator
// with its measured fidelity, and a sortable, filterable table of every trial.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SearchResults, ResultTrial } from '../search-results.js';
import { fidelityOf } from './fidelity.js';
import { distributionSpec, historySpec, OBJECTIVE_LABELS, paretoSpec } from './specs.js';

const require = createRequire(import.meta.url);
let libraries: string | undefined;

/** The three libraries' browser builds, read once. */
function inlineLibraries(): string {
  libraries ??= [
    ['vega', 'vega.min.js'],
    ['vega-lite', 'vega-lite.min.js'],
    ['vega-embed', 'vega-embed.min.js'],
  ]
    .map(([pkg, file]) => `<script>/* ${pkg} */\n${scriptSafe(readFileSync(join(dirname(require.resolve(pkg)), file), 'utf8'))}\n</script>`)
    .join('\n');
  return libraries;
}

/** Inline <script> content may not contain `</script`; `<\/` means the same inside JS strings. */
const scriptSafe = (js: string): string => js.replace(/<\/(script)/gi, '<\\/$1');

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface ReportOptions {
  /** Reload the page every n seconds (the operator's live page). */
  readonly refreshSeconds?: number;
  /** A link back (the operator's index). */
  readonly backLink?: string;
}

export function reportHtml(results: SearchResults, options: ReportOptions = {}): string {
  const succeeded = results.trials.filter((t) => t.status === 'Succeeded');
  const front = new Set(results.front.map((t) => t.trial));
  const title = `${results.name}: ${results.space}, ${results.method}, seed ${results.seed}`;
  const specs = {
    pareto: paretoSpec({ title, objectives: results.objectives, trials: succeeded, front, knee: results.knee?.trial }, { interactive: true, width: 640, height: 420 }),
    history: historySpec(results.history),
    distribution: distributionSpec(results.objectives, succeeded),
  };
  const data = JSON.stringify({ specs, trials: results.trials.map((t) => tableRow(results, t, front)), objectives: results.objectives }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds ? `<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<title>rwenas report: ${esc(results.name)}</title>
<style>${STYLE}</style>
${inlineLibraries()}
</head>
<body>
<header>
${options.backLink ? `<p><a href="${esc(options.backLink)}">&larr; all experiments</a></p>` : ''}
<h1>${esc(results.name)}</h1>
<p class="sub">${esc(results.source.kind === 'run' ? `local run in ${results.source.where}` : `NASExperiment ${results.source.where}`)}; ${esc(results.state)}</p>
</header>
<main>
<section id="summary"><h2>Summary</h2>${summaryTable(results)}</section>
<section id="front"><h2>Pareto front</h2><p class="hint">Hover a point for its genome and objectives; drag to pan, scroll to zoom. The diamond is the knee.</p><div id="pareto-chart"></div></section>
<section id="progress"><h2>Progress</h2><div id="history-chart"></div><div id="distribution-chart"></div></section>
<section id="estimator"><h2>Estimator</h2>${estimatorSection(results)}</section>
<section id="trials"><h2>Trials</h2>
<p><input id="trial-filter" type="search" placeholder="filter: genome, trial, status, generation..." size="48">
<label><input id="front-only" type="checkbox"> front only</label> <span id="trial-count"></span></p>
<div class="scroll"><table id="trial-table"><thead><tr>${['trial', 'generation', 'status', 'genome', ...results.objectives.map((o) => OBJECTIVE_LABELS[o]), 'seconds', 'front'].map((h, i) => `<th data-col="${i}" tabindex="0">${esc(h)}</th>`).join('')}</tr></thead><tbody></tbody></table></div>
</section>
</main>
<script type="application/json" id="report-data">${data}</script>
<script>${scriptSafe(CLIENT)}</script>
</body>
</html>
`;
}

function tableRow(results: SearchResults, t: ResultTrial, front: ReadonlySet<string>): (string | number | null)[] {
  return [
    t.trial,
    t.generation,
    t.status,
    t.genome,
    ...results.objectives.map((o) => t.objectives[o] ?? null),
    t.durationMs === undefined ? null : Math.round(t.durationMs) / 1000,
    t.trial === results.knee?.trial ? 'knee' : front.has(t.trial) ? 'front' : t.status === 'Failed' ? (t.reason ?? '') : '',
  ];
}

function summaryTable(s: SearchResults): string {
  const failed = s.trials.filter((t) => t.status === 'Failed').length;
  const ref = s.referencePoint ? s.objectives.map((o, i) => `${o} ${s.referencePoint![i]}`).join(', ') : 'not fixed yet';
  const rows: [string, string][] = [
    ['search space', s.space],
    ['final network', Object.entries(s.final).map(([k, v]) => `${k} ${v}`).join(', ') || 'space defaults'],
    ['objectives (minimised)', s.objectives.map((o) => OBJECTIVE_LABELS[o]).join(', ')],
    ['constraints', Object.entries(s.constraints).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'],
    ['estimator', s.method],
    ['seed', String(s.seed)],
    ['state', s.state],
    ['generations', String(s.history.length)],
    ['trials', `${s.trials.length} evaluated, ${failed} failed`],
    ['front', `${s.front.length} trials`],
    ['hypervolume', s.hypervolume.toPrecision(6)],
    ['reference point', ref],
    ['knee', s.knee ? `${s.knee.genome} (trial ${s.knee.trial}; ${s.objectives.map((o) => `${o} ${s.knee!.objectives[o]}`).join(', ')})` : 'none'],
    ...(s.wallMs !== undefined ? [['wall time', `${(s.wallMs / 1000).toFixed(1)} s`] as [string, string]] : []),
  ];
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

function estimatorSection(s: SearchResults): string {
  const f = fidelityOf(s.space, s.method);
  const table = (header: readonly string[], rows: readonly (readonly string[])[]) =>
    `<table class="grid"><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c.replace(/`/g, ''))}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const measured =
    s.method === 'table'
      ? '<p><code>table</code> looks up trained accuracy (ground truth): a benchmark of the search itself, no estimate.</p>'
      : f.tables.length > 0
        ? f.tables.map((t) => `<h3>${esc(t.title)}</h3>${table(t.header, t.rows)}`).join('')
        : `<p>No fidelity measurement of <code>${esc(s.method)}</code> on ${esc(s.space)} in ${esc(f.source)}.</p>`;
  return `<p>Method <code>${esc(s.method)}</code>. Its measured rank correlation with trained accuracy (Kendall τ, Spearman ρ, 95% bootstrap intervals), from ${esc(f.source)}:</p>${measured}<h3>Default estimator per space</h3>${table(f.defaults.header, f.defaults.rows)}`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2329; background: #f6f7f9; }
header { background: #24313f; color: #fff; padding: 12px 24px; } header a { color: #cfe3ff; }
h1 { margin: 0; font-size: 22px; } .sub { margin: 4px 0 0; color: #c8d1da; }
main { padding: 8px 24px 32px; display: grid; grid-template-columns: minmax(300px, 400px) minmax(0, 1fr); column-gap: 16px; }
main > section { grid-column: 1 / -1; } main > #summary { grid-column: 1; } main > #front { grid-column: 2; }
@media (max-width: 1100px) { main { display: block; } }
table.kv td { word-break: break-word; } section { background: #fff; border: 1px solid #dde2e7; border-radius: 6px; padding: 8px 16px 16px; margin: 16px 0; overflow-x: auto; }
h2 { font-size: 17px; } .hint { color: #5c6873; margin-top: 0; }
table { border-collapse: collapse; } th, td { padding: 3px 8px; text-align: left; vertical-align: top; }
table.kv th { color: #5c6873; font-weight: 500; } table.grid td, table.grid th, #trial-table td, #trial-table th { border-bottom: 1px solid #e7eaee; }
#trial-table th { cursor: pointer; user-select: none; background: #eef1f4; position: sticky; top: 0; } #trial-table td.genome { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; max-width: 520px; }
#trial-table tr.Failed td { color: #a33; } #trial-table tr.front td { background: #fff3f3; } #trial-table tr.knee td { background: #eaf2ff; }
.scroll { max-height: 520px; overflow: auto; }
#vg-tooltip-element table tr td.value { max-width: 560px !important; white-space: normal !important; word-break: break-all; }
th.asc::after { content: ' \\25B2'; } th.desc::after { content: ' \\25BC'; }
`;

// Runs in the page: draws the three charts and keeps the trial table sorted and filtered.
const CLIENT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var opts = { renderer: 'svg', actions: false };
  window.reportViews = {};
  window.reportReady = Promise.all([
    vegaEmbed('#pareto-chart', data.specs.pareto, opts).then(function (r) { window.reportViews.pareto = r.view; }),
    vegaEmbed('#history-chart', data.specs.history, opts),
    vegaEmbed('#distribution-chart', data.specs.distribution, opts)
  ]);
  var rows = data.trials, sortCol = 1, sortDir = 1;
  var tbody = document.querySelector('#trial-table tbody');
  var filter = document.getElementById('trial-filter'), frontOnly = document.getElementById('front-only');
  function cmp(a, b) {
    var x = a[sortCol], y = b[sortCol];
    if (x === y) return 0; if (x === null) return 1; if (y === null) return -1;
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1) * sortDir;
  }
  function render() {
    var q = filter.value.trim().toLowerCase();
    var shown = rows.filter(function (r) {
      var last = r[r.length - 1];
      if (frontOnly.checked && last !== 'front' && last !== 'knee') return false;
      return q === '' || r.some(function (c) { return c !== null && String(c).toLowerCase().indexOf(q) >= 0; });
    }).sort(cmp);
    tbody.textContent = '';
    shown.forEach(function (r) {
      var tr = document.createElement('tr');
      var last = r[r.length - 1];
      tr.className = r[2] + (last === 'front' || last === 'knee' ? ' ' + last : '');
      r.forEach(function (c, i) {
        var td = document.createElement('td');
        td.textContent = c === null ? '' : typeof c === 'number' && i > 3 ? c.toLocaleString('en-US', { maximumFractionDigits: 4 }) : String(c);
        if (i === 3) td.className = 'genome';
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    document.getElementById('trial-count').textContent = shown.length + ' of ' + rows.length + ' trials';
  }
  document.querySelectorAll('#trial-table th').forEach(function (th) {
    function sort() {
      var col = Number(th.dataset.col);
      sortDir = col === sortCol ? -sortDir : 1; sortCol = col;
      document.querySelectorAll('#trial-table th').forEach(function (h) { h.className = ''; });
      th.className = sortDir > 0 ? 'asc' : 'desc';
      render();
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sort(); });
  });
  filter.addEventListener('input', render);
  frontOnly.addEventListener('change', render);
  render();
})();
`;
