/**
 * What the pool does when the application starts.
 * @publicApi
 */
export interface GrpcStartupOptions {
  /** Hold start-up until a channel is READY. Default `false`. */
  waitForReady?: boolean;
  /** Bound on that wait, in milliseconds. Default `5000`. */
  timeoutMs?: number;
}
