import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import { GrpcPoolError } from './grpc-pool.error.js';
import { poolLabel } from './pool-label.js';

/**
 * A client's options break a rule. Thrown at start-up, before any connection opens.
 * @publicApi
 */
export class GrpcPoolOptionsError extends GrpcPoolError {
  constructor(
    readonly poolName: GrpcPoolName,
    /** The offending option's path, e.g. `pool.maxChannels`. */
    readonly field: string,
    /** What was wrong, e.g. `must be an integer >= 1 (got 0)`. */
    readonly rule: string,
  ) {
    super(`Invalid options for gRPC pool ${poolLabel(poolName)}: ${field} ${rule}`);
  }
}
