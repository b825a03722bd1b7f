/**
 * Axis labels in Grafana's units, for the few the dashboard uses, as Vega
 * label expressions (`datum.value` is the tick). `s` picks µs, ms or s by
 * the largest value on the axis, as Grafana's time axes read.
 */
export function unitLabelExpr(unit: string, largest: number): string {
  switch (unit) {
    case 'reqps':
      return "format(datum.value, '~g') + ' req/s'";
    case 'ops':
      return "format(datum.value, '~g') + ' ops/s'";
    case 'percentunit':
      return "format(datum.value, '.0%')";
    case 's': {
      const [scale, suffix] =
        largest >= 1 ? [1, 's'] : largest >= 0.001 ? [1e3, 'ms'] : [1e6, 'µs'];
      return `datum.value === 0 ? '0' : format(datum.value * ${scale}, '~g') + ' ${suffix}'`;
    }
    default:
      return "format(datum.value, '~g')";
  }
}
