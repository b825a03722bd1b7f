/**
 * Grafana's variable substitution, as far as grpc-pool.json uses it, so that
 * Prometheus gets each panel's query as Grafana would send it.
 */

/** A dashboard variable's selection: `All` (the variable's `allValue`, `.*` here) or some values. */
type VariableValue = 'All' | readonly string[];

export interface QueryVariables {
  /** `$__interval` and the range query's step, in seconds. */
  intervalS: number;
  /** `$__rate_interval`, in seconds. */
  rateIntervalS: number;
  /** `$pool`, `$service`, `$method` ... by name. */
  values: Readonly<Record<string, VariableValue>>;
}

/**
 * Grafana's `$__interval`: the time range over the panel's data points
 * (about its width in pixels), never below the data source's scrape
 * interval. Grafana rounds it to a table of round intervals; whole seconds
 * are enough here, where the scrape interval wins.
 */
export function grafanaInterval(
  rangeS: number,
  maxDataPoints: number,
  scrapeIntervalS: number,
): number {
  return Math.max(scrapeIntervalS, Math.ceil(rangeS / maxDataPoints));
}

/** Grafana's `$__rate_interval`: max($__interval + scrape interval, 4 x scrape interval). */
export function grafanaRateInterval(intervalS: number, scrapeIntervalS: number): number {
  return Math.max(intervalS + scrapeIntervalS, 4 * scrapeIntervalS);
}

/**
 * The expression with `$name` and `${name}` replaced. Multi-value variables
 * in a regex matcher (`=~"$pool"`) become `(a|b)` with each value
 * regex-escaped, as Grafana formats them for Prometheus; `All` becomes the
 * variable's `allValue`, `.*`.
 */
export function interpolate(expr: string, variables: QueryVariables): string {
  return expr.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_text, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    if (name === '__rate_interval') return `${variables.rateIntervalS}s`;
    if (name === '__interval') return `${variables.intervalS}s`;
    const value = variables.values[name];
    if (value === undefined) throw new Error(`no value for $${name} in: ${expr}`);
    if (value === 'All') return '.*';
    const escaped = value.map((one) => one.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
    return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
  });
}

/** A series' display name from the target's legendFormat: `{{grpc_method}} {{grpc_code}}`. */
export function legendName(format: string | undefined, labels: Record<string, string>): string {
  if (format === undefined || format === '') return JSON.stringify(labels);
  return format
    .replace(/\{\{\s*(\w+)\s*\}\}/g, (_text, label: string) => labels[label] ?? '')
    .trim();
}
