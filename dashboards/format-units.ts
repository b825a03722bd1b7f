/**
 * Axis labels in Grafana's units, for the few the dashboard uses: `s` picks
 * µs, ms or s by the axis's largest value, as Grafana's time axes read.
 */
export function axisFormatter(
  unit: string,
  step: number,
  largest: number,
  decimals?: number,
): (value: number) => string {
  const places = (scaledStep: number): number =>
    decimals ?? Math.max(0, Math.min(4, -Math.floor(Math.log10(scaledStep) + 1e-9)));
  const fixed = (value: number, scaledStep: number): string => value.toFixed(places(scaledStep));
  switch (unit) {
    case 'reqps':
      return (value) => `${fixed(value, step)} req/s`;
    case 'ops':
      return (value) => `${fixed(value, step)} ops/s`;
    case 'percentunit':
      return (value) => `${fixed(value * 100, step * 100)}%`;
    case 's': {
      const [scale, suffix] =
        largest >= 1 ? [1, 's'] : largest >= 0.001 ? [1e3, 'ms'] : [1e6, 'µs'];
      return (value) => (value === 0 ? '0' : `${fixed(value * scale, step * scale)} ${suffix}`);
    }
    default:
      return (value) => fixed(value, step);
  }
}

/** Round steps (1, 2, 2.5, 5 times a power of ten) that give about `count` intervals. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10;
  return step * power;
}
