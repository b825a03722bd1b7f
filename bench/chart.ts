/**
 * The benchmark's results as an SVG docs/benchmarks.md shows: one panel per
 * scenario, a bar per client, calls/s to scale within the panel (scenarios
 * differ by orders of magnitude, so panels are not on one axis).
 */
export interface ChartScenario {
  title: string;
  rows: { contender: string; callsPerSecond: number; p99: number }[];
}

const WIDTH = 1000;
const LABEL_WIDTH = 440;
const BAR_AREA = 360;
const BAR_HEIGHT = 18;
const BAR_GAP = 6;
const TITLE_HEIGHT = 28;
const PANEL_GAP = 18;

const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderChart(scenarios: ChartScenario[]): string {
  const parts: string[] = [];
  let y = 10;
  for (const scenario of scenarios) {
    parts.push(
      `<text x="10" y="${y + 18}" font-weight="bold" font-size="14">${escape(scenario.title)}</text>`,
    );
    y += TITLE_HEIGHT;
    const max = Math.max(...scenario.rows.map((row) => row.callsPerSecond), 1);
    for (const row of scenario.rows) {
      const width = Math.max(1, Math.round((row.callsPerSecond / max) * BAR_AREA));
      const ours = row.contender.startsWith('nestjs-grpc-pool');
      const label = `${Math.round(row.callsPerSecond).toLocaleString('en-US')} calls/s, p99 ${row.p99.toFixed(0)} ms`;
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end" font-size="12">${escape(row.contender)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width}" height="${BAR_HEIGHT}" fill="${ours ? '#2b7a4b' : '#8a96a3'}"/>`,
        `<text x="${LABEL_WIDTH + width + 6}" y="${y + 13}" font-size="12">${label}</text>`,
      );
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += PANEL_GAP;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${y}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
