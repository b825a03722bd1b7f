import type { Config } from 'vega-lite';

/** Grafana's dark theme, as far as the picture needs it. */
export const THEME = {
  canvas: '#111217',
  panel: '#181b1f',
  border: 'rgba(204, 204, 220, 0.12)',
  text: '#ccccdc',
  secondaryText: 'rgba(204, 204, 220, 0.65)',
  grid: 'rgba(204, 204, 220, 0.08)',
  annotation: 'rgba(0, 211, 255, 0.7)',
  font: 'Inter, Helvetica Neue, Arial, DejaVu Sans, sans-serif',
} as const;

/** Grafana's named colours (dark theme), for `fixedColor` overrides and threshold steps. */
const NAMED: Record<string, string> = {
  green: '#73BF69',
  red: '#F2495C',
  yellow: '#FADE2A',
  orange: '#FF9830',
  blue: '#5794F2',
  purple: '#B877D9',
  text: '#CCCCDC',
  transparent: 'transparent',
};

/** `palette-classic`: series without a fixed colour take these in order. */
const CLASSIC = ['#7EB26D', '#EAB839', '#6ED0E0', '#EF843C', '#E24D42', '#1F78C1', '#BA43A9'];

export const namedColor = (name: string): string => NAMED[name] ?? name;
export const paletteColor = (index: number): string => CLASSIC[index % CLASSIC.length];

/** Vega-Lite's look for a panel: Grafana's dark panel, faint grid, 12 px secondary text. */
export const VEGA_CONFIG: Config = {
  background: THEME.panel,
  font: THEME.font,
  view: { stroke: null },
  title: { color: THEME.text, fontSize: 14, fontWeight: 500, anchor: 'start', offset: 10 },
  axis: {
    domain: false,
    ticks: false,
    grid: true,
    gridColor: THEME.grid,
    labelColor: THEME.secondaryText,
    labelFontSize: 12,
    labelPadding: 6,
    titleColor: THEME.secondaryText,
    titleFontSize: 12,
    titleFontWeight: 'normal',
  },
  legend: {
    orient: 'bottom',
    direction: 'horizontal',
    title: null,
    labelColor: THEME.text,
    labelFontSize: 12,
    symbolType: 'stroke',
    symbolStrokeWidth: 3,
    symbolSize: 160,
    columnPadding: 16,
    labelLimit: 260,
  },
};
