import type { ResolvedClientOptions } from '../options/resolve-client-options.js';
import type { ChannelPool } from '../pool/channel-pool.js';
import type { RetryBudgets } from '../policies/retry-budgets.js';
import type { PoolTelemetry } from '../telemetry/pool-telemetry.js';
import type { CallAdmission } from './call-admission.js';
import type { CallMetrics } from '../telemetry/call-metrics.js';

/** What every call of one client needs: its pool, its metrics and its defaults. */
export interface CallContext {
  label: string;
  pool: ChannelPool;
  metrics: CallMetrics;
  options: ResolvedClientOptions;
  /** Retry budgets, one per backend. */
  budgets: RetryBudgets;
  /** The gate new calls pass, and the register a drain waits on. */
  admission: CallAdmission;
  /** Where calls report what happened: `stats()` and the exporters. */
  telemetry: PoolTelemetry;
}
