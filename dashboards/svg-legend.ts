import type { Styled } from './svg-series.js';
import { FONT, text, textWidth } from './svg-theme.js';

const LEGEND_ROW = 18;

export interface LegendLayout {
  height: number;
  items: { x: number; row: number; name: string; color: string; dashed: boolean }[];
}

/** Grafana's list legend below the plot: items left to right, wrapping into rows. */
export function layoutLegend(series: readonly Styled[], width: number): LegendLayout {
  const items: LegendLayout['items'] = [];
  let x = 0;
  let row = 0;
  for (const one of series) {
    const itemWidth = 22 + textWidth(one.name, FONT) + 18;
    if (x > 0 && x + itemWidth > width) {
      row++;
      x = 0;
    }
    items.push({ x, row, name: one.name, color: one.style.color, dashed: one.style.dashed });
    x += itemWidth;
  }
  return { height: series.length === 0 ? LEGEND_ROW : (row + 1) * LEGEND_ROW, items };
}

export function drawLegend(legend: LegendLayout, x0: number, y0: number): string[] {
  if (legend.items.length === 0) return [text(x0, y0 + 12, 'No data', { secondary: true })];
  return legend.items.flatMap(({ x, row, name, color, dashed }) => {
    const y = y0 + row * LEGEND_ROW + 9;
    const dash = dashed ? ' stroke-dasharray="4 2"' : '';
    return [
      `<line x1="${x0 + x}" y1="${y}" x2="${x0 + x + 14}" y2="${y}" stroke="${color}" stroke-width="4"${dash}/>`,
      text(x0 + x + 20, y + 4, name),
    ];
  });
}
