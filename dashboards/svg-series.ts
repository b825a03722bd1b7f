import type { Panel, SeriesStyle } from './dashboard-model.js';

export interface DrawnSeries {
  name: string;
  refId: string;
  /** One value per evaluation time; undefined or NaN: no point (a gap). */
  values: (number | undefined)[];
}

/** A series with its style resolved: overrides applied, a colour picked. */
export interface Styled extends DrawnSeries {
  style: SeriesStyle & { color: string };
}

export const defined = (value: number | undefined): value is number =>
  value !== undefined && Number.isFinite(value);

/** The series' lines and fills, stacked when the panel stacks; a gap where a value is missing. */
export function drawSeries(
  panel: Panel,
  series: readonly Styled[],
  times: readonly number[],
  xOf: (t: number) => number,
  yOf: (axis: 'left' | 'right', value: number) => number,
  baseline: number,
): string[] {
  const parts: string[] = [];
  const below = times.map(() => 0);
  series.forEach((one, index) => {
    const { color, dashed, fillOpacity, axis, lineWidth, stepAfter } = one.style;
    const tops: (number | undefined)[] = one.values.map((value, i) =>
      defined(value) ? (panel.stacked ? below[i] + value : value) : undefined,
    );
    // Each run of points as vertices: [x, top y, bottom y]; a step holds its value until the next point.
    const runs = contiguous(tops).map(([from, to]) =>
      range(from, to).flatMap((i) => {
        const base = panel.stacked ? below[i] : baseline;
        const vertex = (t: number): [number, number, number] => [
          xOf(t),
          yOf(axis, tops[i]!),
          yOf(axis, base),
        ];
        return stepAfter && i < to ? [vertex(times[i]), vertex(times[i + 1])] : [vertex(times[i])];
      }),
    );
    if (fillOpacity > 0) {
      const gradient = `fill-${panel.title.replace(/\W/g, '')}-${index}`;
      if (panel.gradient) {
        parts.push(
          `<defs><linearGradient id="${gradient}" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${color}" stop-opacity="${fillOpacity / 100}"/><stop offset="1" stop-color="${color}" stop-opacity="0"/></linearGradient></defs>`,
        );
      }
      const fill = panel.gradient ? `url(#${gradient})` : color;
      const opacity = panel.gradient ? '' : ` fill-opacity="${fillOpacity / 100}"`;
      for (const run of runs) {
        const outline = [
          ...run.map(([x, top]) => [x, top]),
          ...[...run].reverse().map(([x, , bottom]) => [x, bottom]),
        ];
        parts.push(
          `<polygon points="${outline.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}" fill="${fill}"${opacity}/>`,
        );
      }
    }
    for (const run of lineWidth > 0 ? runs : []) {
      const points = run.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`);
      const dash = dashed ? ' stroke-dasharray="6 4"' : '';
      if (points.length === 1) {
        parts.push(`<circle cx="${run[0][0]}" cy="${run[0][1]}" r="1.5" fill="${color}"/>`);
      } else {
        parts.push(
          `<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="${lineWidth * 1.5}" stroke-linejoin="round"${dash}/>`,
        );
      }
    }
    if (panel.stacked) tops.forEach((top, i) => (below[i] = top ?? below[i]));
  });
  return parts;
}

/** [first, last] index runs of defined values. */
function contiguous(values: readonly (number | undefined)[]): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  values.forEach((value, i) => {
    if (value !== undefined && start === -1) start = i;
    if (value === undefined && start !== -1) {
      runs.push([start, i - 1]);
      start = -1;
    }
  });
  if (start !== -1) runs.push([start, values.length - 1]);
  return runs;
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
