import { readFileSync } from 'node:fs';

/** The parts of a Grafana dashboard's JSON that the picture draws. */
interface DashboardJson {
  title: string;
  templating: { list: { name: string; label?: string; type: string }[] };
  panels: PanelJson[];
}

interface PanelJson {
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { refId: string; expr: string; legendFormat?: string }[];
  fieldConfig: {
    defaults: {
      unit?: string;
      decimals?: number;
      min?: number;
      max?: number;
      thresholds?: { steps: { color: string; value: number | null }[] };
      custom?: {
        fillOpacity?: number;
        lineWidth?: number;
        lineInterpolation?: string;
        gradientMode?: string;
        stacking?: { mode: string };
        thresholdsStyle?: { mode: string };
      };
    };
    overrides: {
      matcher: { id: string; options: string };
      properties: { id: string; value: unknown }[];
    }[];
  };
}

export interface Dashboard {
  title: string;
  variables: { name: string; label: string }[];
  panels: Panel[];
}

export interface Panel {
  title: string;
  gridPos: PanelJson['gridPos'];
  targets: PanelJson['targets'];
  unit: string;
  decimals: number | undefined;
  min: number | undefined;
  max: number | undefined;
  stacked: boolean;
  fillOpacity: number;
  lineWidth: number;
  stepAfter: boolean;
  gradient: boolean;
  /** Threshold steps to draw (`dashed+area` and friends), or none. */
  thresholds: { value: number; color: string }[];
  thresholdsStyle: string;
  /** How one series is drawn, after the panel's field overrides. */
  styleOf(displayName: string, refId: string): SeriesStyle;
}

export interface SeriesStyle {
  color: string | undefined;
  dashed: boolean;
  axis: 'left' | 'right';
  unit: string;
  decimals: number | undefined;
  fillOpacity: number;
  lineWidth: number;
  stepAfter: boolean;
  axisLabel: string;
}

export function loadDashboard(path: string): Dashboard {
  const json = JSON.parse(readFileSync(path, 'utf8')) as DashboardJson;
  return {
    title: json.title,
    variables: json.templating.list.map(({ name, label }) => ({ name, label: label ?? name })),
    panels: json.panels.map(toPanel),
  };
}

function toPanel(json: PanelJson): Panel {
  const { defaults, overrides } = json.fieldConfig;
  const custom = defaults.custom ?? {};
  const thresholdsStyle = custom.thresholdsStyle?.mode ?? 'off';
  const panel: Omit<Panel, 'styleOf'> = {
    title: json.title,
    gridPos: json.gridPos,
    targets: json.targets,
    unit: defaults.unit ?? 'short',
    decimals: defaults.decimals,
    min: defaults.min,
    max: defaults.max,
    stacked: custom.stacking?.mode === 'normal',
    fillOpacity: custom.fillOpacity ?? 0,
    lineWidth: custom.lineWidth ?? 1,
    stepAfter: custom.lineInterpolation === 'stepAfter',
    gradient: custom.gradientMode === 'opacity',
    thresholds:
      thresholdsStyle === 'off'
        ? []
        : (defaults.thresholds?.steps ?? []).map(({ value, color }) => ({
            value: value ?? -Infinity,
            color,
          })),
    thresholdsStyle,
  };
  const styleOf = (displayName: string, refId: string): SeriesStyle => {
    const style: SeriesStyle = {
      color: undefined,
      dashed: false,
      axis: 'left',
      unit: panel.unit,
      decimals: panel.decimals,
      fillOpacity: panel.fillOpacity,
      lineWidth: panel.lineWidth,
      stepAfter: panel.stepAfter,
      axisLabel: '',
    };
    for (const { matcher, properties } of overrides) {
      if (!matches(matcher, displayName, refId)) continue;
      for (const { id, value } of properties) apply(style, id, value);
    }
    return style;
  };
  return { ...panel, styleOf };
}

function matches(matcher: { id: string; options: string }, name: string, refId: string): boolean {
  if (matcher.id === 'byName') return name === matcher.options;
  if (matcher.id === 'byRegexp') return new RegExp(matcher.options).test(name);
  if (matcher.id === 'byFrameRefID') return refId === matcher.options;
  throw new Error(`unsupported override matcher ${matcher.id}`);
}

function apply(style: SeriesStyle, id: string, value: unknown): void {
  if (id === 'color') style.color = (value as { fixedColor: string }).fixedColor;
  else if (id === 'custom.lineStyle') style.dashed = (value as { fill: string }).fill === 'dash';
  else if (id === 'custom.axisPlacement') style.axis = value === 'right' ? 'right' : 'left';
  else if (id === 'unit') style.unit = value as string;
  else if (id === 'decimals') style.decimals = value as number;
  else if (id === 'custom.fillOpacity') style.fillOpacity = value as number;
  else if (id === 'custom.lineWidth') style.lineWidth = value as number;
  else if (id === 'custom.lineInterpolation') style.stepAfter = value === 'stepAfter';
  else if (id === 'custom.axisLabel') style.axisLabel = value as string;
  else throw new Error(`unsupported override property ${id}`);
}
