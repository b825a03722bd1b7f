import type { Dashboard } from './dashboard-model.js';
import { drawPanel, type Annotation, type DrawnSeries } from './svg-panel.js';
import { THEME, escapeXml, text, textWidth } from './svg-theme.js';

export interface Picture {
  dashboard: Dashboard;
  /** Every variable's shown value, by name. */
  variableValues: Record<string, string>;
  timeRange: string;
  times: readonly number[];
  /** The series of each panel, in the dashboard's panel order. */
  series: DrawnSeries[][];
  annotations: Annotation[];
  footer: string;
}

const WIDTH = 1600;
const MARGIN = 8;
const HEADER = 92;
/** Grafana's grid: 24 columns, rows of 30 px with 8 px between. */
const ROW_HEIGHT = 30;
const GAP = 8;

/** The whole dashboard as Grafana lays it out from each panel's gridPos, as one SVG. */
export function drawDashboard(picture: Picture): string {
  const { dashboard } = picture;
  const column = (WIDTH - 2 * MARGIN + GAP) / 24;
  const bottom = Math.max(...dashboard.panels.map(({ gridPos }) => gridPos.y + gridPos.h));
  const height = HEADER + bottom * (ROW_HEIGHT + GAP) + 30;
  const panels = dashboard.panels.map((panel, index) => {
    const { x, y, w, h } = panel.gridPos;
    const box = {
      x: MARGIN + x * column,
      y: HEADER + y * (ROW_HEIGHT + GAP),
      w: w * column - GAP,
      h: h * (ROW_HEIGHT + GAP) - GAP,
    };
    return drawPanel(box, panel, picture.series[index] ?? [], picture.times, picture.annotations);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${THEME.font}">`,
    `<rect width="${WIDTH}" height="${height}" fill="${THEME.canvas}"/>`,
    drawHeader(picture),
    ...panels,
    text(MARGIN + 2, height - 10, picture.footer, { size: 11, secondary: true }),
    '</svg>',
    '',
  ].join('\n');
}

function drawHeader({ dashboard, variableValues, timeRange }: Picture): string {
  const parts = [
    `<rect x="0" y="0" width="${WIDTH}" height="40" fill="${THEME.panel}"/>`,
    `<line x1="0" y1="40" x2="${WIDTH}" y2="40" stroke="${THEME.border}"/>`,
    text(16, 26, `Dashboards  /  ${dashboard.title}`, { size: 16, weight: 500 }),
    chip(WIDTH - 16, 8, timeRange),
  ];
  let x = MARGIN;
  for (const { name, label } of dashboard.variables) {
    const value = variableValues[name] ?? 'All';
    const labelWidth = textWidth(label, 12) + 16;
    const valueWidth = textWidth(value, 12) + 30;
    parts.push(
      `<rect x="${x}" y="50" width="${labelWidth}" height="30" fill="${THEME.panel}" stroke="${THEME.border}"/>`,
      text(x + 8, 69, label),
      `<rect x="${x + labelWidth}" y="50" width="${valueWidth}" height="30" fill="${THEME.input}" stroke="${THEME.border}"/>`,
      text(x + labelWidth + 8, 69, value),
      text(x + labelWidth + valueWidth - 16, 69, '⌄', { secondary: true }),
    );
    x += labelWidth + valueWidth + 8;
  }
  return parts.join('\n');
}

function chip(right: number, y: number, label: string): string {
  const width = textWidth(label, 12) + 20;
  return [
    `<rect x="${right - width}" y="${y}" width="${width}" height="24" rx="2" fill="${THEME.input}" stroke="${THEME.border}"/>`,
    `<text x="${right - width + 10}" y="${y + 16}" font-size="12" fill="${THEME.text}">${escapeXml(label)}</text>`,
  ].join('\n');
}
