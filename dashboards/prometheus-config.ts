/** How often Prometheus scrapes the sample: Grafana's data source must say the same (see grafana-variables.ts). */
export const SCRAPE_INTERVAL_S = 1;

/**
 * prometheus.yml for one job that scrapes `targets` (`host:port`, /metrics)
 * every second. JSON is YAML, so no YAML writer is needed. With no targets
 * (a kept TSDB being redrawn), Prometheus scrapes nothing and only answers queries.
 */
export function prometheusConfig(targets: readonly string[]): string {
  const interval = `${SCRAPE_INTERVAL_S}s`;
  return JSON.stringify(
    {
      global: {
        scrape_interval: interval,
        scrape_timeout: interval,
        evaluation_interval: interval,
      },
      scrape_configs:
        targets.length === 0 ? [] : [{ job_name: 'gateway', static_configs: [{ targets }] }],
    },
    null,
    2,
  );
}
