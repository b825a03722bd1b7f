import type { LayerSpec, UnitSpec } from 'vega-lite/types_unstable/spec/index.js';
import type { Panel } from './dashboard-model.js';
import { THEME, namedColor } from './grafana-theme.js';

/** A moment the script marks on every panel: a load phase beginning. */
export interface Annotation {
  /** Unix milliseconds. */
  t: number;
  text: string;
}

/** A layer of a panel's Vega-Lite spec. */
export type Layer = UnitSpec<string> | LayerSpec<string>;

/** Annotations as Grafana draws them: a dashed vertical line with its text at the top. */
export function annotationLayers(annotations: readonly Annotation[]): Layer[] {
  if (annotations.length === 0) return [];
  const data = { values: annotations.map(({ t, text }) => ({ t, text })) };
  const x = { field: 't', type: 'temporal' } as const;
  return [
    {
      data,
      mark: { type: 'rule', color: THEME.annotation, strokeDash: [3, 3] },
      encoding: { x },
    },
    {
      data,
      mark: {
        type: 'text',
        color: THEME.annotation,
        align: 'left',
        baseline: 'top',
        dx: 3,
        dy: 2,
        fontSize: 10,
      },
      encoding: { x, y: { value: 0 }, text: { field: 'text' } },
    },
  ];
}

/**
 * Thresholds drawn as `thresholdsStyle` says (`dashed+area` here): each
 * step's band tinted in its colour, and a dashed line where a step begins.
 */
export function thresholdLayers(panel: Panel, largest: number): Layer[] {
  const { thresholds, thresholdsStyle } = panel;
  if (thresholds.length === 0) return [];
  const bottom = panel.min ?? 0;
  const top = panel.max ?? largest;
  const bands = thresholds.map(({ value, color }, i) => ({
    from: Math.max(bottom, value),
    to: Math.min(top, thresholds[i + 1]?.value ?? top),
    color: namedColor(color),
  }));
  // One layer per band with its colour as a mark property: a colour encoding
  // here would merge with the series' colour scale and legend.
  const area = thresholdsStyle.includes('area');
  const dash = thresholdsStyle.startsWith('dashed') ? [6, 4] : [];
  return bands.flatMap(({ from, to, color }, i): Layer[] => [
    ...(area
      ? [
          {
            data: { values: [{ from, to }] },
            mark: { type: 'rect', color, opacity: 0.12 },
            encoding: { y: { field: 'from', type: 'quantitative' }, y2: { field: 'to' } },
          } as Layer,
        ]
      : []),
    ...(i === 0
      ? []
      : [
          {
            data: { values: [{ from }] },
            mark: { type: 'rule', color, strokeDash: dash },
            encoding: { y: { field: 'from', type: 'quantitative' } },
          } as Layer,
        ]),
  ]);
}
