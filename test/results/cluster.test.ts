// Results of a NASExperiment on the real control plane (test/k8s): while a table experiment
// runs, Debian's Prometheus scrapes the operator and every PromQL expression of the shipped
// Grafana dashboard returns data through its HTTP API, with the chart's alerting rules
// loaded; the operator's read-only pages pass the browser tests; and `rwenas export
// --experiment` and `rwenas report --experiment` read the experiment through the kubeconfig.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createNamespace, deleteNamespace, k8sSkip, kubeconfigPath, kubectl } from '../k8s/cluster.js';
import { applyManifest, DATA_CLAIM, dataClaim, dataDir, installCrds, list, startOperator, tableCsv, tableExperiment, waitPhase, type OperatorProcess } from '../operator/harness.js';
import { CHART, findTool, one, render } from '../chart/tools.js';
import { rwenas, tempDir } from '../cli/helpers.js';
import { hoverFrontPoint, needChromium, openPage, plottedPoints } from './browser.js';
import { needPrometheus, startPrometheus, type PrometheusProcess } from './prometheus.js';
import { existsSync } from 'node:fs';

const skip = k8sSkip || needPrometheus() || needChromium() || (!existsSync(tableCsv) && process.env.CI !== 'true' ? `no NAS-Bench-201 table at ${tableCsv}` : false) || (!findTool('helm') ? 'helm not found' : false);
const JOB = 'rwenas-operator';
const NAME = 'results';

interface Dashboard { panels: { title: string; targets?: { expr: string }[]; panels?: Dashboard['panels'] }[] }

describe('results of a cluster experiment', { skip, concurrency: false }, () => {
  let ns = '';
  let pv = '';
  let op: OperatorProcess;
  let prom: PrometheusProcess;
  let started = 0;
  let finished = 0;
  let status: { paretoFront: { trial: string; genome: string; objectives: Record<string, number> }[]; trials: { evaluated: number; succeeded: number }; hypervolume: number; frontSize: number; history: { generation: number; evaluations: number; frontSize: number; hypervolume: number }[] };
  const out = tempDir();

  before(async () => {
    await installCrds();
    ns = await createNamespace('res');
    pv = await dataClaim(ns, DATA_CLAIM, dataDir);
    op = await startOperator(ns);
    // The chart's alerting rules (as rendered) are loaded too: Prometheus must accept them.
    const rules = one(render(['--set', 'metrics.prometheusRule.enabled=true', '--set', `metrics.prometheusRule.job=${JOB}`]), 'PrometheusRule').spec;
    prom = await startPrometheus(JOB, [`127.0.0.1:${op.metricsPort}`], rules);
    started = Date.now() / 1000;
    await applyManifest(ns, tableExperiment(NAME, { population: 8, generations: 3, trialsPerJob: 2, parallelism: 2 }));
    status = (
      await waitPhase(ns, NAME, ['Succeeded', 'Failed', 'Invalid'], 120_000).catch(async (err: Error) => {
        writeFileSync(join(out, 'operator.log'), op.logs());
        writeFileSync(join(out, 'objects.txt'), [await kubectl(['get', 'nasexp,jobs,pods', '-n', ns, '-o', 'wide']), await kubectl(['get', 'events', '-n', ns]), await kubectl(['get', 'nasexp', NAME, '-n', ns, '-o', 'yaml'])].map((r) => r.stdout + r.stderr).join('\n'));
        throw new Error(`${err.message}\noperator log: ${join(out, 'operator.log')}; tail:\n${op.logs().slice(-3000)}`);
      })
    ).status;
    assert.equal((status as unknown as { phase: string }).phase, 'Succeeded');
    // A few more scrapes after the end, so the last values are stored.
    await new Promise((r) => setTimeout(r, 3000));
    finished = Date.now() / 1000;
  });

  after(async () => {
    await prom?.stop();
    await op?.kill('SIGTERM');
    if (ns) await deleteNamespace(ns);
    if (pv) await kubectl(['delete', 'pv', pv, '--wait=false']);
  });

  test('status.history: one record per generation, the last equal to the status front', () => {
    assert.deepEqual(status.history.map((h) => h.generation), [0, 1, 2, 3]);
    const last = status.history[status.history.length - 1];
    assert.equal(last.evaluations, status.trials.evaluated);
    assert.equal(last.frontSize, status.frontSize);
    assert.equal(last.hypervolume, status.hypervolume);
  });

  test('Prometheus scraped the operator while the experiment ran', async () => {
    const up = await prom.queryRange(`up{job="${JOB}"}`, started, finished, 1);
    assert.equal(up.length, 1);
    assert.ok(up[0].values!.filter(([, v]) => v === '1').length >= 3, 'several successful scrapes');
    const gen = await prom.queryRange(`max(rwenas_experiment_generation{namespace="${ns}", experiment="${NAME}"})`, started, finished, 1);
    const seen = new Set(gen[0].values!.map(([, v]) => v));
    assert.ok(seen.size >= 2, `generation seen moving: ${[...seen].join(', ')}`);
  });

  test('every PromQL expression of the shipped Grafana dashboard returns data', async () => {
    const dashboard = JSON.parse(readFileSync(join(CHART, 'files', 'dashboards', 'rwenas.json'), 'utf8')) as Dashboard;
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    assert.ok(exprs.length >= 10);
    const empty: string[] = [];
    for (const { panel, expr } of exprs) {
      // Grafana's variables as a user picking this experiment would set them; $__rate_interval
      // as Grafana computes it for a 1 s scrape (4 x the interval, at least 15 s... here 10 s).
      const q = expr.replaceAll('$namespace', ns).replaceAll('$experiment', NAME).replaceAll('$__rate_interval', '10s');
      const series = await prom.queryRange(q, started, finished, 1);
      const finite = series.flatMap((s) => s.values ?? []).filter(([, v]) => Number.isFinite(Number(v)));
      if (finite.length === 0) empty.push(`${panel}: ${q}`);
    }
    assert.deepEqual(empty, [], 'expressions without a single finite sample');
  });

  test("the chart's alerting rules load in Prometheus and none fires for a healthy experiment", async () => {
    const res = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; state: string }[] }[] } };
    const rules = res.data.groups.flatMap((g) => g.rules);
    assert.deepEqual(rules.map((r) => r.name).sort(), ['RwenasExperimentStuck', 'RwenasOperatorDown', 'RwenasTrialFailureRate']);
    for (const r of rules) {
      assert.equal(r.health, 'ok', `${r.name} evaluates`);
      assert.equal(r.state, 'inactive', `${r.name} is not firing`);
    }
  });

  test("the operator's pages: index, live report in chromium (no errors, every trial plotted, front tooltips), read-only", async () => {
    const base = `http://127.0.0.1:${op.metricsPort}`;
    const index = await (await fetch(`${base}/`)).text();
    assert.match(index, new RegExp(`href="/experiments/${ns}/${NAME}"`));
    assert.match(index, /Succeeded/);
    const trials = (await list(ns, 'nastrials', `rwenas.dev/experiment=${NAME}`)).filter((t) => t.status?.phase === 'Succeeded');
    const page = await openPage(`${base}/experiments/${ns}/${NAME}`, base);
    try {
      const points = await plottedPoints(page.page);
      assert.deepEqual(page.errors, []);
      assert.deepEqual(page.refused, [], 'the page loads nothing from elsewhere');
      assert.equal(points.trials_marks, trials.length, 'one point per succeeded NASTrial');
      assert.equal(points.front_marks, status.paretoFront.length);
      const { genome, tooltip } = await hoverFrontPoint(page.page, 0);
      assert.ok(status.paretoFront.some((f) => f.genome === genome));
      assert.ok(tooltip.includes(genome));
      await page.page.screenshot({ path: join(out, 'operator-page.png') });
    } finally {
      await page.browser.close();
    }
    const post = await fetch(`${base}/experiments/${ns}/${NAME}`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal((await fetch(`${base}/experiments/${ns}/nope`)).status, 404);
  });

  test('rwenas export --experiment --knee and rwenas report --experiment, through the kubeconfig', () => {
    const kc = ['--kubeconfig', kubeconfigPath()];
    const e = rwenas(['export', '--experiment', NAME, '-n', ns, '--knee', '--out', join(out, 'knee'), ...kc]);
    assert.equal(e.status, 0, e.stderr);
    const j = JSON.parse(readFileSync(join(out, 'knee', 'export.json'), 'utf8'));
    const member = status.paretoFront.find((f) => f.genome === j.genome);
    assert.ok(member, 'the knee is a member of status.paretoFront');
    assert.deepEqual(j.objectives, { error: member.objectives.error, flops: member.objectives.flops });
    assert.equal(j.provenance.source, 'experiment');
    assert.equal(j.provenance.namespace, ns);
    assert.match(readFileSync(join(out, 'knee', 'README.md'), 'utf8'), new RegExp(`NASExperiment \`${ns}/${NAME}\``));
    const front = rwenas(['export', '--experiment', NAME, '-n', ns, '--front', '--out', join(out, 'front'), ...kc]);
    assert.equal(front.status, 0, front.stderr);
    assert.equal(front.stdout.trim().split('\n').length, status.paretoFront.length, 'the same front as the status');
    const r = rwenas(['report', '--experiment', NAME, '-n', ns, '--out', join(out, 'report.html'), ...kc]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${status.trials.evaluated} trials, ${status.paretoFront.length} on the front`));
    // --trial takes the NASTrial name too.
    const byName = rwenas(['export', '--experiment', NAME, '-n', ns, '--trial', status.paretoFront[0].trial, '--out', join(out, 'named'), ...kc]);
    assert.equal(byName.status, 0, byName.stderr);
    assert.equal(JSON.parse(readFileSync(join(out, 'named', 'export.json'), 'utf8')).genome, status.paretoFront[0].genome);
    const missing = rwenas(['export', '--experiment', 'nope', '-n', ns, '--knee', ...kc]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, new RegExp(`NASExperiment ${ns}/nope: not found`));
  });
});
