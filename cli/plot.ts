// pareto.svg: every evaluated trial, the final front and its knee, drawn by Vega-Lite and
// rendered to SVG on the server by Vega (no browser). The specification is the report's own
// (results/report/specs.ts), so the SVG and the interactive report show the same plot.
import { parse as parseVega, View } from 'vega';
import { compile } from 'vega-lite';
import type { ObjectiveName } from '../search/objectives.js';
import type { EvaluatedTrial, FrontMember } from '../search/trial.js';
import { paretoSpec } from '../results/report/specs.js';

export { OBJECTIVE_LABELS } from '../results/report/specs.js';

export async function paretoSvg(title: string, objectives: readonly ObjectiveName[], history: readonly EvaluatedTrial[], front: readonly FrontMember[], knee?: FrontMember): Promise<string> {
  const spec = paretoSpec({ title, objectives, trials: history.filter((t) => t.status === 'Succeeded'), front: new Set(front.map((f) => f.trial)), knee: knee?.trial });
  const view = new View(parseVega(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
