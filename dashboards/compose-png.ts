import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { THEME } from './grafana-theme.js';

/** Grafana's grid: 24 columns; a row unit is 30 px, panels 8 px apart. */
const COLUMNS = 24;
const ROW_PX = 30;
const GAP_PX = 8;
const HEADER_PX = 84;
const FOOTER_PX = 28;

export interface PlacedPanel {
  gridPos: { x: number; y: number; w: number; h: number };
  /** Builds the panel's Vega-Lite spec for the size it gets on the page. */
  spec(size: { width: number; height: number }): TopLevelSpec;
}

export interface Page {
  width: number;
  title: string;
  timeRange: string;
  variables: { label: string; value: string }[];
  footer: string;
  panels: PlacedPanel[];
}

/** Where a panel sits on the page and how big it is, from its Grafana gridPos. */
export function panelBox(gridPos: PlacedPanel['gridPos'], pageWidth: number) {
  const column = (pageWidth - GAP_PX) / COLUMNS;
  return {
    x: GAP_PX + gridPos.x * column,
    y: HEADER_PX + gridPos.y * (ROW_PX + GAP_PX),
    width: gridPos.w * column - GAP_PX,
    height: gridPos.h * (ROW_PX + GAP_PX) - GAP_PX,
  };
}

/** Every panel drawn by Vega into SVG, laid out as Grafana lays the dashboard out, as one PNG. */
export async function composePng(page: Page): Promise<Buffer> {
  const boxes = page.panels.map((panel) => ({ panel, box: panelBox(panel.gridPos, page.width) }));
  const height = Math.max(...boxes.map(({ box }) => box.y + box.height)) + GAP_PX + FOOTER_PX;
  const panels = await Promise.all(
    boxes.map(async ({ panel, box }) => {
      const svg = await renderSvg(panel.spec({ width: box.width, height: box.height }));
      // Vega's <svg> nested at the panel's place; the rounded border is Grafana's panel edge.
      return (
        `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" rx="3" fill="${THEME.panel}" stroke="${THEME.border}"/>` +
        svg.replace('<svg ', `<svg x="${box.x}" y="${box.y}" `)
      );
    }),
  );
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${page.width}" height="${height}" font-family="${THEME.font}">`,
    `<rect width="100%" height="100%" fill="${THEME.canvas}"/>`,
    header(page),
    ...panels,
    text(GAP_PX, height - 10, page.footer, 11, THEME.secondaryText),
    '</svg>',
  ].join('\n');
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
    .render()
    .asPng();
}

async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The dashboard's title, its time range on the right, and the variables' pickers below. */
function header(page: Page): string {
  const parts = [text(16, 28, `Dashboards / ${page.title}`, 17, THEME.text)];
  const rangeWidth = page.timeRange.length * 7.4 + 20;
  parts.push(box(page.width - GAP_PX - rangeWidth, 10, rangeWidth, 28));
  parts.push(text(page.width - GAP_PX - rangeWidth + 10, 29, page.timeRange, 13, THEME.text));
  let x = GAP_PX;
  for (const { label, value } of page.variables) {
    const labelWidth = label.length * 7.4 + 16;
    const valueWidth = value.length * 7.4 + 30;
    parts.push(box(x, 48, labelWidth + valueWidth, 28));
    parts.push(text(x + 8, 67, label, 13, THEME.text));
    parts.push(text(x + labelWidth + 8, 67, `${value} ⌄`, 13, THEME.text));
    x += labelWidth + valueWidth + GAP_PX;
  }
  return parts.join('\n');
}

const box = (x: number, y: number, width: number, height: number): string =>
  `<rect x="${x}" y="${y}" width="${width}" height="${height}" rx="2" fill="${THEME.panel}" stroke="${THEME.border}"/>`;

const text = (x: number, y: number, content: string, size: number, color: string): string =>
  `<text x="${x}" y="${y}" font-size="${size}" fill="${color}">${content.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`;
