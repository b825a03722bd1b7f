/** The pool's overall condition. @publicApi */
export type GrpcPoolState = 'connecting' | 'ready' | 'degraded' | 'down' | 'draining' | 'closed';

/** A channel's grpc-js connectivity state, by name. @publicApi */
export type GrpcChannelState = 'IDLE' | 'CONNECTING' | 'READY' | 'TRANSIENT_FAILURE' | 'SHUTDOWN';

/** @publicApi */
export interface GrpcChannelStats {
  id: number;
  target: string;
  state: GrpcChannelState;
  inFlight: number;
  /**
   * Attempts this channel has carried: every retry attempt, and the remote
   * health checks, count here; so these do not add up to `calls.started`,
   * which counts each call once, whatever its attempts.
   */
  calls: number;
  /** Present (true) while outlier detection keeps calls away from this channel's backend. */
  ejected?: true;
  /**
   * Present (true) once the channel takes no new calls (rotated, or its address left): it
   * closes when its calls have finished.
   */
  retiring?: true;
}

/** @publicApi */
export interface GrpcPoolStats {
  name: string;
  state: GrpcPoolState;
  channels: GrpcChannelStats[];
  inFlight: number;
  queued: number;
  /**
   * Calls made through `getService()` and `getClientByServiceName()`, each
   * counted once however many attempts it took (health checks are not
   * calls). `started = ok + failed` whenever nothing is in flight.
   */
  calls: GrpcCallCounts;
  /** Attempts after the first, across all calls. */
  retries: number;
  /** Retries the retry budget refused (the call failed with its last error instead). */
  retriesRefusedByBudget: number;
  /** Calls that ended with DEADLINE_EXCEEDED, wherever the deadline passed. */
  deadlineExceeded: number;
  /** Share of calls that got a slot at once on a READY channel (0..1; 1 before any call). */
  hitRate: number;
  /** Over the most recent calls (a bounded window). `null` before any call finished. */
  latencyMs: GrpcLatencyPercentiles;
  /** Where the time goes, phase by phase, over the most recent attempts (a bounded window each). */
  phasesMs: GrpcCallPhases;
  /**
   * Per method (`/package.Service/Method`), the methods called so far:
   * counts as in `calls`, and the latency of the most recent calls.
   */
  byMethod: Record<string, GrpcMethodStats>;
}

/** One method's calls. @publicApi */
export interface GrpcMethodStats {
  calls: GrpcCallCounts;
  latencyMs: GrpcLatencyPercentiles;
}

/** Calls by outcome, for the pool or one method. @publicApi */
export interface GrpcCallCounts {
  started: number;
  ok: number;
  failed: number;
  /** Finished calls by status name, e.g. `{ OK: 10, UNAVAILABLE: 1 }`. */
  byCode: Record<string, number>;
}

/** p50 / p95 / p99 in milliseconds; `null` before anything was recorded. @publicApi */
export interface GrpcLatencyPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Where a pool's attempts spend their time, phase by phase. @publicApi */
export interface GrpcCallPhases {
  /** Waiting for a slot (0 for attempts that found one at once). */
  slotWait: GrpcLatencyPercentiles;
  /** Waiting for the channel to become READY (0 for attempts placed on a READY channel). */
  connectWait: GrpcLatencyPercentiles;
  /** From the attempt's start on its channel until the response headers (attempts that got them). */
  headers: GrpcLatencyPercentiles;
  /** The whole call, across queueing, attempts and backoff (the same as `latencyMs`). */
  call: GrpcLatencyPercentiles;
}
