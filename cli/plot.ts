// pareto.svg: every evaluated trial and the final front, drawn by Vega-Lite, rendered to SVG
// on the server by Vega (no browser). The first two objectives are the axes; a third, if any,
// sizes the points.
import { parse as parseVega, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ObjectiveName } from '../search/objectives.js';
import type { EvaluatedTrial, FrontMember } from '../search/trial.js';

export const OBJECTIVE_LABELS: Record<ObjectiveName, string> = {
  error: 'error (%)',
  params: 'parameters (count)',
  flops: 'FLOPs (multiply-accumulates)',
};

export async function paretoSvg(title: string, objectives: readonly ObjectiveName[], history: readonly EvaluatedTrial[], front: readonly FrontMember[]): Promise<string> {
  const onFront = new Set(front.map((f) => f.trial));
  const values = history
    .filter((t) => t.status === 'Succeeded')
    .map((t) => ({ ...t.objectives, trial: t.trial, generation: t.generation, set: onFront.has(t.trial) ? 'Pareto front' : 'evaluated trial' }));
  const [x, y, size] = objectives;
  const axis = (name: ObjectiveName) => ({
    field: name,
    type: 'quantitative' as const,
    title: OBJECTIVE_LABELS[name],
    scale: { zero: false },
    axis: name === 'error' ? {} : { format: '~s' },
  });
  const color = {
    field: 'set',
    type: 'nominal' as const,
    title: null,
    scale: { domain: ['evaluated trial', 'Pareto front'], range: ['#9aa5b1', '#d62728'] },
  };
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: `${values.length} evaluated trials, ${front.length} on the Pareto front` },
    width: 560,
    height: 380,
    background: 'white',
    data: { values },
    layer: [
      {
        mark: { type: 'point', filled: true, opacity: 0.55 },
        encoding: { x: axis(x), y: axis(y), color, ...(size ? { size: { field: size, type: 'quantitative', title: OBJECTIVE_LABELS[size], legend: { titleLimit: 300, format: '~s' } } } : {}) },
      },
      // The attainment staircase is only meaningful when the plot shows every objective.
      ...(size
        ? []
        : [
            {
              transform: [{ filter: "datum.set === 'Pareto front'" }],
              mark: { type: 'line' as const, interpolate: 'step-after' as const, color: '#d62728', strokeWidth: 1.5 },
              encoding: { x: axis(x), y: axis(y), order: { field: x, type: 'quantitative' as const } },
            },
          ]),
      {
        transform: [{ filter: "datum.set === 'Pareto front'" }],
        mark: { type: 'point', filled: true, size: 70, stroke: 'black', strokeWidth: 0.6 },
        encoding: { x: axis(x), y: axis(y), color },
      },
    ],
  };
  const view = new View(parseVega(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
