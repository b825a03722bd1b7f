import type { Panel } from './dashboard-model.js';
import { axisFormatter, niceStep } from './format-units.js';
import { drawLegend, layoutLegend } from './svg-legend.js';
import { defined, drawSeries, type DrawnSeries, type Styled } from './svg-series.js';
import { FONT, THEME, escapeXml, namedColor, paletteColor, text, textWidth } from './svg-theme.js';

export type { DrawnSeries } from './svg-series.js';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Annotation {
  t: number;
  text: string;
}

interface Axis {
  min: number;
  max: number;
  ticks: number[];
  format: (value: number) => string;
  width: number;
  label: string;
}

const TITLE_HEIGHT = 32;
const X_LABELS = 20;
const PAD = 10;

/** One time series panel as Grafana draws it: title, grid, axes, lines, legend below. */
export function drawPanel(
  box: Box,
  panel: Panel,
  series: DrawnSeries[],
  times: readonly number[],
  annotations: readonly Annotation[],
): string {
  const styled: Styled[] = series.map((one, index) => {
    const style = panel.styleOf(one.name, one.refId);
    return { ...one, style: { ...style, color: namedColor(style.color ?? paletteColor(index)) } };
  });
  const legend = layoutLegend(styled, box.w - 2 * PAD);
  const plotTop = box.y + TITLE_HEIGHT + 6;
  const plotBottom = box.y + box.h - PAD - legend.height - X_LABELS;
  const left = makeAxis(panel, styled, 'left', times, plotBottom - plotTop);
  const right = styled.some((one) => one.style.axis === 'right')
    ? makeAxis(panel, styled, 'right', times, plotBottom - plotTop)
    : undefined;
  const plot: Box = {
    x: box.x + PAD + left.width,
    y: plotTop,
    w: box.w - 2 * PAD - left.width - (right?.width ?? 0),
    h: plotBottom - plotTop,
  };
  const [t0, t1] = [times[0], times[times.length - 1]];
  const xOf = (t: number): number => plot.x + ((t - t0) / (t1 - t0)) * plot.w;
  const yOf = (axis: Axis, value: number): number =>
    plot.y +
    plot.h -
    ((Math.min(Math.max(value, axis.min), axis.max) - axis.min) / (axis.max - axis.min)) * plot.h;

  const parts: string[] = [
    `<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="3" fill="${THEME.panel}" stroke="${THEME.border}"/>`,
    text(box.x + PAD, box.y + 21, panel.title, { size: 14, weight: 500 }),
  ];
  parts.push(...drawThresholds(panel, plot, left, yOf));
  parts.push(...drawGrid(plot, left, right, times, xOf, yOf));
  parts.push(
    ...drawSeries(
      panel,
      styled,
      times,
      xOf,
      (axis, value) => yOf(axis === 'right' ? right! : left, value),
      Math.max(0, left.min),
    ),
  );
  // Over the series, as Grafana draws its annotation markers.
  parts.push(...drawAnnotations(plot, annotations, xOf));
  parts.push(...drawLegend(legend, box.x + PAD, plotBottom + X_LABELS + 4));
  return parts.join('\n');
}

function makeAxis(
  panel: Panel,
  series: readonly Styled[],
  side: 'left' | 'right',
  times: readonly number[],
  height: number,
): Axis {
  const mine = series.filter((one) => one.style.axis === side);
  const values: number[] = [];
  if (panel.stacked) {
    for (let i = 0; i < times.length; i++) {
      values.push(
        mine.reduce((sum, one) => sum + (defined(one.values[i]) ? one.values[i]! : 0), 0),
      );
    }
  } else {
    for (const one of mine) values.push(...one.values.filter(defined));
  }
  const fixed = side === 'left';
  let min = (fixed ? panel.min : undefined) ?? Math.min(0, ...values);
  let max = (fixed ? panel.max : undefined) ?? Math.max(...values, min);
  const unit = mine[0]?.style.unit ?? panel.unit;
  const decimals = mine[0]?.style.decimals ?? panel.decimals;
  if (max <= min) max = min + (decimals === 0 ? 4 : 1);
  let step = niceStep(max - min, Math.max(2, Math.floor(height / 45)));
  if (decimals === 0) step = Math.max(1, Math.round(step));
  if (!(fixed && panel.max !== undefined)) max = Math.ceil(max / step - 1e-9) * step;
  if (!(fixed && panel.min !== undefined)) min = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let tick = min; tick <= max + step / 1e6; tick += step) ticks.push(tick);
  const format = axisFormatter(unit, step, Math.max(Math.abs(min), Math.abs(max)), decimals);
  const label = mine.find((one) => one.style.axisLabel !== '')?.style.axisLabel ?? '';
  const width =
    Math.max(...ticks.map((tick) => textWidth(format(tick), FONT))) + 8 + (label ? 18 : 0);
  return { min, max, ticks, format, width, label };
}

function drawGrid(
  plot: Box,
  left: Axis,
  right: Axis | undefined,
  times: readonly number[],
  xOf: (t: number) => number,
  yOf: (axis: Axis, value: number) => number,
): string[] {
  const parts: string[] = [];
  for (const tick of left.ticks) {
    const y = yOf(left, tick);
    parts.push(line(plot.x, y, plot.x + plot.w, y, THEME.grid));
    parts.push(text(plot.x - 6, y + 4, left.format(tick), { anchor: 'end', secondary: true }));
  }
  if (left.label)
    parts.push(verticalLabel(plot.x - left.width + 4, plot.y + plot.h / 2, left.label));
  if (right !== undefined) {
    for (const tick of right.ticks) {
      parts.push(
        text(plot.x + plot.w + 6, yOf(right, tick) + 4, right.format(tick), { secondary: true }),
      );
    }
    if (right.label)
      parts.push(
        verticalLabel(plot.x + plot.w + right.width - 6, plot.y + plot.h / 2, right.label),
      );
  }
  const [t0, t1] = [times[0], times[times.length - 1]];
  const every = [5, 10, 15, 20, 30, 60].find((s) => (s * 1000 * plot.w) / (t1 - t0) >= 80) ?? 120;
  const first = Math.ceil(t0 / (every * 1000)) * every * 1000;
  for (let t = first; t <= t1; t += every * 1000) {
    const x = xOf(t);
    parts.push(line(x, plot.y, x, plot.y + plot.h, THEME.grid));
    parts.push(
      text(x, plot.y + plot.h + 15, new Date(t).toISOString().slice(11, 19), {
        anchor: 'middle',
        secondary: true,
      }),
    );
  }
  return parts;
}

function drawThresholds(
  panel: Panel,
  plot: Box,
  axis: Axis,
  yOf: (axis: Axis, value: number) => number,
): string[] {
  const parts: string[] = [];
  const steps = panel.thresholds;
  for (let i = 0; i < steps.length; i++) {
    const color = namedColor(steps[i].color);
    const top = yOf(axis, i + 1 < steps.length ? steps[i + 1].value : axis.max);
    const bottom = yOf(axis, Math.max(steps[i].value, axis.min));
    if (panel.thresholdsStyle.includes('area') && color !== 'transparent') {
      parts.push(
        `<rect x="${plot.x}" y="${top}" width="${plot.w}" height="${bottom - top}" fill="${color}" fill-opacity="0.12"/>`,
      );
    }
    if (
      i > 0 &&
      (panel.thresholdsStyle.includes('line') || panel.thresholdsStyle.includes('dashed'))
    ) {
      const dash = panel.thresholdsStyle.includes('dashed') ? ' stroke-dasharray="10 10"' : '';
      parts.push(
        `<line x1="${plot.x}" y1="${bottom}" x2="${plot.x + plot.w}" y2="${bottom}" stroke="${color}" stroke-width="1.5"${dash}/>`,
      );
    }
  }
  return parts;
}

function drawAnnotations(
  plot: Box,
  annotations: readonly Annotation[],
  xOf: (t: number) => number,
): string[] {
  return annotations.flatMap(({ t, text: label }) => {
    const x = xOf(t);
    if (x <= plot.x || x > plot.x + plot.w) return [];
    // Near the right edge the label goes left of its line, so it is not cut off.
    const width = textWidth(label, 10) + 4;
    const fits = x + 2 + width < plot.x + plot.w;
    const labelX = fits ? x + 2 : x - 2 - width;
    return [
      `<line x1="${x}" y1="${plot.y}" x2="${x}" y2="${plot.y + plot.h}" stroke="${THEME.annotation}" stroke-dasharray="3 3"/>`,
      `<path d="M${x - 4},${plot.y + plot.h + 5} l4,-5 l4,5 z" fill="${THEME.annotation}"/>`,
      // A backing, so the label reads over a filled area.
      `<rect x="${labelX}" y="${plot.y + 1}" width="${width}" height="13" rx="2" fill="${THEME.panel}" fill-opacity="0.8"/>`,
      text(fits ? x + 4 : x - 4, plot.y + 10, label, {
        size: 10,
        color: THEME.annotation,
        anchor: fits ? undefined : 'end',
      }),
    ];
  });
}

const line = (x1: number, y1: number, x2: number, y2: number, stroke: string): string =>
  `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${stroke}"/>`;

function verticalLabel(x: number, y: number, label: string): string {
  return `<text x="${x}" y="${y}" transform="rotate(-90 ${x} ${y})" text-anchor="middle" font-size="${FONT}" fill="${THEME.secondaryText}">${escapeXml(label)}</text>`;
}
