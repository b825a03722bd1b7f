// Type-only, so terminus stays an optional peer at run time: the indicator's status type follows the
// terminus the app installed (11 and 12 differ on `degraded`).
import type { HealthIndicatorStatus } from '@nestjs/terminus';
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
  /**
   * The status a degraded pool reports (its details keep `state: 'degraded'`
   * and the `reason`). Default: `'degraded'` where `@nestjs/terminus` has that
   * status (12: 200, `status: 'degraded'`); `'up'` through
   * `GrpcPoolHealthIndicator` on terminus 11, which knows only `up` and `down`
   * and drops any other status from its answer. `'down'` makes a degraded
   * pool answer 503. Example: `{ degradedAs: 'down' }`.
   */
  degradedAs?: 'up' | 'down';
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
 * `{ [key]: details }`, as `pool.checkHealth()` returns it: the shape
 * `@nestjs/terminus` 12's `HealthCheckService.check([...])` takes from an
 * indicator (`down` answers 503, `degraded` keeps 200), with no import of
 * terminus. For terminus 11 use `GrpcPoolHealthIndicator`
 * (`GrpcPoolIndicatorResult`).
 * @publicApi
 */
export type GrpcPoolHealthResult = Record<string, GrpcPoolHealthDetails>;

/**
 * A pool's status as the installed `@nestjs/terminus` takes it: its own
 * `HealthIndicatorStatus`, so `'up' | 'down'` with terminus 11 and
 * `'up' | 'degraded' | 'down'` with terminus 12, and the latter where terminus
 * is not installed (see `GrpcPoolHealthOptions.degradedAs`).
 * @publicApi
 */
export type GrpcPoolIndicatorStatus =
  // True only for `any`: the status type when terminus is not installed and skipLibCheck hides the missing module.
  0 extends 1 & HealthIndicatorStatus
    ? GrpcPoolHealthDetails['status']
    : Extract<GrpcPoolHealthDetails['status'], HealthIndicatorStatus>;

/**
 * What `GrpcPoolHealthIndicator.isHealthy()` returns: `{ [key]: details }` with
 * the status the installed `@nestjs/terminus` (11 or 12) understands, for
 * `HealthCheckService.check([...])`.
 * @publicApi
 */
export type GrpcPoolIndicatorResult = Record<
  string,
  Omit<GrpcPoolHealthDetails, 'status'> & { status: GrpcPoolIndicatorStatus }
>;
