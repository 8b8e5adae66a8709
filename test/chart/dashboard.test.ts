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

/** Metric names in a PromQL expression; throws on a syntax error. */
export function metricNames(expr: string): string[] {
  let src = expr;
  for (const [v, d] of Object.entries(GRAFANA_DURATIONS)) src = src.split(v).join(d);
  const names: string[] = [];
  parser.parse(src).iterate({
    enter: (node) => {
      if (node.type.isError) throw new Error(`PromQL syntax error at ${node.from} in: ${expr}`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(src.slice(node.from, node.to));
    },
  });
  return names;
}

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
  test('the metric-name extractor reads PromQL as Prometheus does', () => {
    assert.deepEqual(metricNames('histogram_quantile(0.9, sum by (le) (rate(a_bucket{x=~"$y"}[$__rate_interval]))) / on() group_left b'), ['a_bucket', 'b']);
    assert.throws(() => metricNames('sum(rate(a[5m])'), /syntax error/);
  });

  test('every query is valid PromQL over metrics the operator defines', async () => {
    const defined = await operatorMetrics();
    assert.ok(defined.size > 0, 'operator defines no metrics');
    const known = (name: string) => {
      if (defined.has(name)) return defined.get(name) !== 'histogram' && defined.get(name) !== 'summary';
      const base = name.replace(/_(bucket|count|sum)$/, '');
      const type = defined.get(base);
      return (type === 'histogram' || type === 'summary') && !(type === 'summary' && name.endsWith('_bucket'));
    };
    const all = queries();
    assert.ok(all.length >= 8);
    for (const { where, expr } of all) {
      const names = metricNames(expr);
      assert.ok(names.length > 0, `${where}: no metric in ${expr}`);
      for (const n of names) {
        assert.ok(n.startsWith('rwenas_'), `${where}: ${n} is not an rwenas_ metric`);
        assert.ok(known(n), `${where}: ${n} is not a metric of operator/metrics.ts (defined: ${[...defined.keys()].filter((k) => !k.startsWith('rwenas_operator_')).join(', ')}, and process metrics)`);
      }
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
