import type { Panel } from './dashboard-model.js';
import type { PanelSeries } from './panel-series.js';

/**
 * Vega without a canvas estimates a label as 0.8 em a character (9.6 px at
 * 12 px), wider than it renders; legend columns are laid out by that estimate.
 */
const LEGEND_CHAR_PX = 9.6;

/** The Vega-Lite legend properties a panel sets on its colour and dash channels. */
export interface Legend {
  columns: number;
  symbolType: 'square' | 'stroke';
  /** 0: no limit, labels are never cut short. */
  labelLimit: number;
}

/**
 * Grafana's bottom list legend: as many entries to a row as fit the panel
 * (as Vega measures them, see `LEGEND_CHAR_PX`), a line sample per entry,
 * or a filled square where the panel draws areas only.
 */
export function legendLayout(all: readonly PanelSeries[], panel: Panel, width: number): Legend {
  const longest = Math.max(...all.map(({ name }) => name.length));
  const entryPx = longest * LEGEND_CHAR_PX + 40;
  return {
    columns: Math.max(1, Math.min(all.length, Math.floor((width - 40) / entryPx))),
    symbolType: panel.lineWidth === 0 ? 'square' : 'stroke',
    labelLimit: 0,
  };
}
