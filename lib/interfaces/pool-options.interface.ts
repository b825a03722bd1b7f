/**
 * How many channels (HTTP/2 connections) a pool keeps, and how calls wait for one.
 * @publicApi
 */
export interface GrpcPoolChannelOptions {
  /** Channels opened at start-up and never closed for idleness. Default `1`. */
  minChannels?: number;
  /** Upper bound on channels (real connections). Default `4`. */
  maxChannels?: number;
  /**
   * Calls one channel carries at once before the pool opens another channel or
   * queues. Match it to the server's or proxy's `max_concurrent_streams`. Default `100`.
   */
  maxConcurrentCallsPerChannel?: number;
  /** Calls that may wait for a slot when every channel is full. Default `1000`. */
  maxQueued?: number;
  /** How long a call waits in the queue before failing with RESOURCE_EXHAUSTED. Default `5000`. */
  acquireTimeoutMs?: number;
  /** Channels above `minChannels` with no call for this long are closed. Default `300000`. */
  idleTimeoutMs?: number;
  /**
   * A channel still CONNECTING after this long (e.g. the backend accepts TCP
   * but never completes the HTTP/2 handshake, which grpc-js never times out)
   * is closed and replaced. Default `10000`; `0`: never.
   */
  connectTimeoutMs?: number;
  /**
   * Rotate each channel after this long (minus up to 10% jitter), gracefully:
   * the replacement opens first, new calls move to it once it is READY, and
   * the old one closes when its calls finish. Default `0`: never.
   */
  maxConnectionAgeMs?: number;
  /** Pool-wide cap on retries. Default `{ ratio: 0.2, minPerSecond: 10 }`. */
  retryBudget?: GrpcRetryBudgetOptions;
  /** With several backends, keep calls away from one that keeps failing; `false`: off. */
  outlierDetection?: GrpcOutlierDetectionOptions | false;
  /**
   * How the pool follows a DNS name (`dns:` targets and `host:port` names
   * other than `localhost`): it resolves the name itself and keeps channels
   * on the addresses it finds. `false`: leave resolution to grpc-js.
   */
  dns?: GrpcPoolDnsOptions | false;
}

/**
 * DNS discovery settings.
 * @publicApi
 */
export interface GrpcPoolDnsOptions {
  /**
   * How often the name is resolved again (sooner when the records' TTL is
   * shorter, and when a channel fails). With more addresses than
   * `maxChannels`, the subset of addresses the pool connects to moves on by
   * one address at this interval. Default `30000`.
   */
  refreshIntervalMs?: number;
}

/**
 * Consecutive-failure ejection of a backend (with several addresses in `url`).
 * @publicApi
 */
export interface GrpcOutlierDetectionOptions {
  /** UNAVAILABLE failures in a row that eject a backend. Default `5`. */
  consecutiveFailures?: number;
  /** First ejection period; doubles with each ejection in a row. Default `30000`. */
  baseEjectionMs?: number;
  /** Longest ejection period. Default `300000`. */
  maxEjectionMs?: number;
}

/**
 * How many retries a pool may add on top of its calls.
 * @publicApi
 */
export interface GrpcRetryBudgetOptions {
  /** Retries may add at most this share of recent calls. Default `0.2`. */
  ratio?: number;
  /** Retries allowed per second regardless of traffic. Default `10`. */
  minPerSecond?: number;
}
