// The Grafana dashboard queries only metrics the operator defines (operator/metrics.ts): every
// PromQL expression is parsed with Prometheus's own grammar, its metric names extracted and
// looked up in the operator's prom-client registry. And it has the panels the guide promises.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { operatorMetrics } from './metrics.js';
import { CHART } from './tools.js';

interface Target { expr: string }
interface Panel { title: string; type: string; targets?: Target[]; panels?: Panel[] }
interface Variable { name: string; type: string; query?: string | { query: string } }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: Variable[] } }

const dashboard = JSON.parse(readFileSync(join(CHART, 'files', 'dashboards', 'rwenas.json'), 'utf8')) as Dashboard;
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

// Grafana's built-in variables stand for durations; substitute before parsing as PromQL.
const GRAFANA_DURATIONS: Record<string, string> = { $__rate_interval: '5m', $__interval: '1m', $__range: '1h' };

/** Each vector selector of a PromQL expression: its metric and the labels it matches on;
 * plus every `by (...)` grouping label. Throws on a syntax error. */
export function selectors(expr: string): { metrics: { name: string; labels: string[] }[]; grouping: string[] } {
  let src = expr;
  for (const [v, d] of Object.entries(GRAFANA_DURATIONS)) src = src.split(v).join(d);
  const metrics: { name: string; labels: string[] }[] = [];
  const grouping: string[] = [];
  const text = (n: { from: number; to: number }) => src.slice(n.from, n.to);
  parser.parse(src).iterate({
    enter: (ref) => {
      if (ref.type.isError) throw new Error(`PromQL syntax error at ${ref.from} in: ${expr}`);
      if (ref.name === 'VectorSelector') {
        const id = ref.node.getChild('Identifier');
        const labels: string[] = [];
        ref.node.cursor().iterate((c) => {
          if (c.name === 'LabelName') labels.push(text(c));
        });
        if (id) metrics.push({ name: text(id), labels });
      }
      if (ref.name === 'GroupingLabels') {
        ref.node.cursor().iterate((c) => {
          if (c.name === 'LabelName') grouping.push(text(c));
        });
      }
    },
  });
  return { metrics, grouping };
}

export const metricNames = (expr: string) => selectors(expr).metrics.map((m) => m.name);

/** Every query in the dashboard: panel targets, and the metric part of label_values() variables. */
function queries(): { where: string; expr: string }[] {
  const out = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
  for (const v of dashboard.templating.list) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    const m = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)$/.exec(q.trim());
    assert.ok(m, `variable ${v.name}: expected label_values(<selector>, <label>), got ${q}`);
    out.push({ where: `variable $${v.name}`, expr: m[1] });
  }
  return out;
}

describe('Grafana dashboard', () => {
  test('the selector extractor reads PromQL as Prometheus does', () => {
    assert.deepEqual(metricNames('histogram_quantile(0.9, sum by (le) (rate(a_bucket{x=~"$y"}[$__rate_interval]))) / on() group_left b'), ['a_bucket', 'b']);
    assert.throws(() => metricNames('sum(rate(a[5m])'), /syntax error/);
    assert.deepEqual(selectors('max by (experiment) (a{namespace=~"$ns", state="failed"}) + b'), {
      metrics: [{ name: 'a', labels: ['namespace', 'state'] }, { name: 'b', labels: [] }],
      grouping: ['experiment'],
    });
  });

  test('every query is valid PromQL over metrics and labels the operator defines', async () => {
    const defined = await operatorMetrics();
    assert.ok(defined.size > 0, 'operator defines no metrics');
    // A series name as Prometheus stores it -> its definition (histograms expose _bucket, _sum, _count).
    const lookup = (name: string) => {
      const own = defined.get(name);
      if (own) return own.type === 'histogram' || own.type === 'summary' ? undefined : { ...own, extra: [] as string[] };
      const base = defined.get(name.replace(/_(bucket|count|sum)$/, ''));
      if (base?.type === 'histogram') return { ...base, extra: name.endsWith('_bucket') ? ['le'] : [] };
      if (base?.type === 'summary' && !name.endsWith('_bucket')) return { ...base, extra: [] };
      return undefined;
    };
    const all = queries();
    assert.ok(all.length >= 8);
    // Labels every scraped series has (Prometheus target labels).
    const target = ['instance', 'job'];
    for (const { where, expr } of all) {
      const { metrics, grouping } = selectors(expr);
      assert.ok(metrics.length > 0, `${where}: no metric in ${expr}`);
      const available = new Set<string>(target);
      for (const m of metrics) {
        assert.ok(m.name.startsWith('rwenas_'), `${where}: ${m.name} is not an rwenas_ metric`);
        const def = lookup(m.name);
        assert.ok(def, `${where}: ${m.name} is not a metric of operator/metrics.ts (defined: ${[...defined.keys()].filter((k) => !k.startsWith('rwenas_operator_')).join(', ')}, and process metrics)`);
        for (const l of [...def.labels, ...def.extra]) available.add(l);
        for (const l of m.labels) assert.ok(def.labels.includes(l) || def.extra.includes(l) || target.includes(l), `${where}: ${m.name} has no label ${l} (it has: ${def.labels.join(', ') || 'none'})`);
      }
      for (const l of grouping) assert.ok(available.has(l), `${where}: groups by ${l}, which none of its metrics has`);
    }
  });

  test('has the panels the cluster guide describes', () => {
    const byTitle = (re: RegExp) => {
      const p = panels.find((x) => re.test(x.title));
      assert.ok(p, `no panel matching ${re}`);
      return (p.targets ?? []).map((t) => t.expr).join('\n');
    };
    byTitle(/experiments by phase/i);
    byTitle(/generation progress/i);
    assert.match(byTitle(/evaluations per second/i), /rate\(/);
    assert.match(byTitle(/evaluation duration quantiles/i), /histogram_quantile\(/);
    assert.match(byTitle(/hypervolume/i), /by \([^)]*experiment/);
    byTitle(/front size/i);
    byTitle(/failed trials/i);
    byTitle(/queue depth/i);
  });

  test('panel ids are unique and every panel is on the grid', () => {
    const ids = panels.map((p) => (p as Panel & { id: number }).id);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of panels) assert.ok((p as Panel & { gridPos?: object }).gridPos, `${p.title} has no gridPos`);
  });
});
