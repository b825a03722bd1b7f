import type { GrpcChannelState, GrpcPoolState } from './stats.interface.js';

/**
 * What `GrpcPoolHealthIndicator.isHealthy()` (or `pool.checkHealth()`) checks.
 * @publicApi
 */
export interface GrpcPoolHealthOptions {
  /** Bound on the remote check, in milliseconds. Default `1000`. */
  timeoutMs?: number;
  /**
   * Also ask the remote itself with the standard `grpc.health.v1.Health/Check`
   * (through the pool's own channels): `true` for the whole server (service
   * `''`), or `{ service }` for one service. Default `false`.
   */
  remote?: boolean | { service?: string };
  /** Down when fewer channels than this are READY. Default `0` (down only when none can carry calls). */
  minReadyChannels?: number;
  /** The key of the result. Default: the pool's name. */
  key?: string;
}

/**
 * The details of one pool's health, under its key.
 * @publicApi
 */
export interface GrpcPoolHealthDetails {
  status: 'up' | 'degraded' | 'down';
  state: GrpcPoolState;
  targets: string[];
  /** Open channels by connectivity state, e.g. `{ READY: 2, TRANSIENT_FAILURE: 1 }`. */
  channels: Partial<Record<GrpcChannelState, number>>;
  inFlight: number;
  queued: number;
  /** Why it is not up. */
  reason?: string;
  /** The last call failure that points at the connection (UNAVAILABLE), if any. */
  lastError?: string;
  /** When it happened (ISO 8601). */
  lastErrorAt?: string;
  /** Present (true) when every channel has been READY again since `lastError`: it is history, not the present trouble. */
  lastErrorStale?: true;
  /** The remote check's outcome, when one ran. */
  remote?: { service: string; status?: string; error?: string };
}

/**
 * `{ [key]: details }`: the shape `@nestjs/terminus` 12's
 * `HealthCheckService.check([...])` takes from an indicator (`down` answers
 * 503, `degraded` keeps 200), with no import of terminus.
 * @publicApi
 */
export type GrpcPoolHealthResult = Record<string, GrpcPoolHealthDetails>;
