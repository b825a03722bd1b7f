import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import type {
  GrpcPoolHealthOptions,
  GrpcPoolHealthResult,
} from '../interfaces/health-options.interface.js';
import type { GrpcPoolState, GrpcPoolStats } from '../interfaces/stats.interface.js';
import type { ChannelPool } from '../pool/channel-pool.js';
import { resolveHealthSettings } from './health-settings.js';
import { poolHealth } from './pool-health.js';
import { checkRemoteHealth, type RemoteHealthOutcome } from './remote-health-check.js';

/** The pool as a whole, as its health check reads it (`GrpcPool` is one). */
export interface HealthCheckedPool {
  readonly name: GrpcPoolName;
  /** Recomputed on each read. */
  readonly state: GrpcPoolState;
  stats(): GrpcPoolStats;
}

/** The pool's parts a health check reads. */
export interface HealthCheckParts {
  options: { readonly targets: readonly string[] };
  pool: ChannelPool;
  /** `open` while the pool takes calls. */
  admission: { readonly phase: string };
  metrics: { readonly lastUnavailable: { message: string; at: Date } | undefined };
  events: { readonly readySince: Date | undefined };
  discovery: { trouble(): string | undefined };
}

/**
 * The pool's health as `@nestjs/terminus` takes it; with `remote`, also asks
 * the server (`grpc.health.v1.Health/Check`) through one of the pool's
 * channels, bounded by `timeoutMs`.
 */
export async function checkPoolHealth(
  subject: HealthCheckedPool,
  parts: HealthCheckParts,
  options?: GrpcPoolHealthOptions,
): Promise<GrpcPoolHealthResult> {
  const settings = resolveHealthSettings(subject.name, options);
  let remote: RemoteHealthOutcome | undefined;
  const state = subject.state;
  if (
    settings.remoteService !== undefined &&
    state !== 'down' &&
    parts.admission.phase === 'open'
  ) {
    remote = await checkRemote(parts.pool, settings.remoteService, settings.timeoutMs);
  }
  return poolHealth(settings, {
    stats: subject.stats(),
    targets: parts.options.targets,
    lastError: parts.metrics.lastUnavailable,
    readySince: parts.events.readySince,
    remote,
    discoveryTrouble: parts.discovery.trouble(),
  });
}

async function checkRemote(
  pool: ChannelPool,
  service: string,
  timeoutMs: number,
): Promise<RemoteHealthOutcome> {
  // A probe never queues behind the app's calls: it may go one past a channel's cap.
  const lease = pool.acquireNow();
  try {
    return await checkRemoteHealth(lease.channel.client, service, timeoutMs);
  } finally {
    lease.release();
  }
}
