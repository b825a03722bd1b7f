import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import { GrpcPoolError } from './grpc-pool.error.js';
import { poolLabel } from './pool-label.js';

/**
 * A pool with `startup.waitForReady` had no READY channel within
 * `startup.timeoutMs`: the application does not start.
 * @publicApi
 */
export class GrpcPoolStartupError extends GrpcPoolError {
  constructor(
    readonly poolName: GrpcPoolName,
    readonly targets: readonly string[],
    /** Each channel's target, state and, where grpc-js gave one, its last connection error. */
    readonly channels: readonly string[],
    timeoutMs: number,
  ) {
    super(
      `gRPC pool ${poolLabel(poolName)} was not ready within startup.timeoutMs ${timeoutMs} ` +
        `(targets: ${targets.join(', ')}): ${channels.join('; ') || 'no channel open'}`,
    );
  }
}
