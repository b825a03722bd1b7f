/** Defaults of every numeric option; the options table of docs/configuration.md lists the same values. */
export const POOL_DEFAULTS = {
  url: 'localhost:5000',
  minChannels: 1,
  maxChannels: 4,
  maxConcurrentCallsPerChannel: 100,
  maxQueued: 1000,
  acquireTimeoutMs: 5000,
  idleTimeoutMs: 300_000,
  connectTimeoutMs: 10_000,
  maxConnectionAgeMs: 0,
  outlierDetection: { consecutiveFailures: 5, baseEjectionMs: 30_000, maxEjectionMs: 300_000 },
  dnsRefreshIntervalMs: 30_000,
  startupWaitForReady: false,
  startupTimeoutMs: 5000,
  drainTimeoutMs: 10_000,
} as const;

/** Defaults of `pool.retryBudget`. */
export const RETRY_BUDGET_DEFAULTS = { ratio: 0.2, minPerSecond: 10 } as const;
