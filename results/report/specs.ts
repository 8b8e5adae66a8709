// The Vega-Lite specifications of a study's charts. pareto.svg (cli/plot.ts) and the HTML
// report draw the Pareto front from the same paretoSpec, so the two cannot drift.
import type { TopLevelSpec } from 'vega-lite';
import type { ObjectiveName, Objectives } from '../../search/objectives.js';
import type { GenerationRecord } from '../../search/study.js';

export const OBJECTIVE_LABELS: Record<ObjectiveName, string> = {
  error: 'error (%)',
  params: 'parameters (count)',
  flops: 'FLOPs (multiply-accumulates)',
};

export interface PlotTrial {
  readonly trial: string;
  readonly genome: string;
  readonly generation: number;
  readonly objectives: Objectives;
}

export interface ParetoInput {
  readonly title: string;
  readonly objectives: readonly ObjectiveName[];
  /** Successful trials only (failed ones have no objectives to plot). */
  readonly trials: readonly PlotTrial[];
  readonly front: ReadonlySet<string>;
  readonly knee?: string;
}

export interface ParetoOptions {
  /** Tooltips and zoom/pan (the report); the SVG is static. */
  readonly interactive?: boolean;
  readonly width?: number;
  readonly height?: number;
}

export const SET_TRIAL = 'evaluated trial';
export const SET_FRONT = 'Pareto front';
export const SET_KNEE = 'knee';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

function axis(name: ObjectiveName) {
  return { field: name, type: 'quantitative' as const, title: OBJECTIVE_LABELS[name], scale: { zero: false }, axis: name === 'error' ? {} : { format: '~s' } };
}

function tooltip(objectives: readonly ObjectiveName[]) {
  return [
    { field: 'genome', type: 'nominal' as const, title: 'genome' },
    ...objectives.map((o) => ({ field: o, type: 'quantitative' as const, title: OBJECTIVE_LABELS[o], format: o === 'error' ? '.3f' : ',d' })),
    { field: 'trial', type: 'nominal' as const, title: 'trial' },
    { field: 'generation', type: 'ordinal' as const, title: 'generation' },
  ];
}

/**
 * Every successful trial (layer `trials`), the front (layer `front`, with its attainment
 * staircase when two objectives are plotted) and the knee (layer `knee`). A third objective
 * sizes the points.
 */
export function paretoSpec(input: ParetoInput, options: ParetoOptions = {}): TopLevelSpec {
  const values = input.trials.map((t) => ({
    ...t.objectives,
    trial: t.trial,
    genome: t.genome,
    generation: t.generation,
    set: t.trial === input.knee ? SET_KNEE : input.front.has(t.trial) ? SET_FRONT : SET_TRIAL,
    onFront: input.front.has(t.trial),
  }));
  const [x, y, size] = input.objectives;
  const color = { field: 'set', type: 'nominal' as const, title: null, scale: { domain: [SET_TRIAL, SET_FRONT, SET_KNEE], range: ['#9aa5b1', '#d62728', '#1f77b4'] } };
  const tip = options.interactive ? { tooltip: tooltip(input.objectives) } : {};
  const sizeEnc = size ? { size: { field: size, type: 'quantitative' as const, title: OBJECTIVE_LABELS[size], legend: { titleLimit: 300, format: '~s' } } } : {};
  const onFront = { filter: 'datum.onFront' };
  return {
    $schema: SCHEMA,
    title: { text: input.title, subtitle: `${values.length} evaluated trials, ${input.front.size} on the Pareto front${input.knee ? ', knee marked' : ''}` },
    width: options.width ?? 560,
    height: options.height ?? 380,
    background: 'white',
    data: { values },
    layer: [
      {
        name: 'trials',
        ...(options.interactive ? { params: [{ name: 'zoom', select: 'interval' as const, bind: 'scales' as const }] } : {}),
        mark: { type: 'point', filled: true, opacity: 0.55 },
        encoding: { x: axis(x), y: axis(y), color, ...sizeEnc, ...tip },
      },
      // The attainment staircase is only meaningful when the plot shows every objective.
      ...(size
        ? []
        : [
            {
              transform: [onFront],
              mark: { type: 'line' as const, interpolate: 'step-after' as const, color: '#d62728', strokeWidth: 1.5 },
              encoding: { x: axis(x), y: axis(y), order: { field: x, type: 'quantitative' as const } },
            },
          ]),
      {
        name: 'front',
        transform: [onFront],
        mark: { type: 'point', filled: true, size: 70, stroke: 'black', strokeWidth: 0.6 },
        encoding: { x: axis(x), y: axis(y), color, ...tip },
      },
      ...(input.knee
        ? [
            {
              name: 'knee',
              transform: [{ filter: `datum.set === '${SET_KNEE}'` }],
              mark: { type: 'point' as const, shape: 'diamond', filled: true, size: 160, stroke: 'black', strokeWidth: 1 },
              encoding: { x: axis(x), y: axis(y), color, ...tip },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/** Hypervolume and front size after each generation. */
export function historySpec(history: readonly GenerationRecord[]): TopLevelSpec {
  const x = { field: 'generation', type: 'ordinal' as const, title: 'generation', axis: { labelAngle: 0 } };
  const line = (field: string, title: string, color: string) => ({
    width: 300,
    height: 200,
    mark: { type: 'line' as const, point: true, color },
    encoding: { x, y: { field, type: 'quantitative' as const, title, scale: { zero: false } }, tooltip: [{ field: 'generation', type: 'ordinal' as const }, { field, type: 'quantitative' as const, title, format: field === 'hypervolume' ? '.4~g' : 'd' }] },
  });
  return {
    $schema: SCHEMA,
    title: { text: 'Progress per generation', subtitle: "hypervolume: of the front so far, in the objectives' own units (product), against the fixed reference point" },
    background: 'white',
    data: { values: history.map((h) => ({ ...h })) },
    hconcat: [line('hypervolume', 'hypervolume', '#2ca02c'), line('frontSize', 'front size (trials)', '#d62728')],
  } as TopLevelSpec;
}

/** Each objective's distribution over the successful trials of each generation (box plots). */
export function distributionSpec(objectives: readonly ObjectiveName[], trials: readonly PlotTrial[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: 'Objective distributions per generation',
    background: 'white',
    data: { values: trials.map((t) => ({ ...t.objectives, generation: t.generation, trial: t.trial })) },
    hconcat: objectives.map((o) => ({
      width: 220,
      height: 200,
      mark: { type: 'boxplot' as const, extent: 'min-max' as const },
      encoding: {
        x: { field: 'generation', type: 'ordinal' as const, title: 'generation', axis: { labelAngle: 0 } },
        y: { field: o, type: 'quantitative' as const, title: OBJECTIVE_LABELS[o], scale: { zero: false }, axis: o === 'error' ? {} : { format: '~s' } },
      },
    })),
  } as TopLevelSpec;
}
