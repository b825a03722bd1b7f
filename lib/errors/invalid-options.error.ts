import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import { GrpcPoolError } from './grpc-pool.error.js';
import { poolLabel } from './pool-label.js';

/**
 * A client's options (or the module's) break a rule. Thrown at start-up,
 * before any connection opens.
 * @publicApi
 */
export class GrpcPoolOptionsError extends GrpcPoolError {
  constructor(
    /** The client whose options are wrong; undefined when the module's own options are (e.g. `register({})`). */
    readonly poolName: GrpcPoolName | undefined,
    /** The offending option's path, e.g. `pool.maxChannels`. */
    readonly field: string,
    /** What was wrong, e.g. `must be an integer >= 1 (got 0)`. */
    readonly rule: string,
    /** What took the options when no client is named, e.g. `GrpcPoolModule.register()`. */
    scope = 'GrpcPoolModule',
    /** Where the bad value came from when not the client's own options, e.g. `forRoot defaults`. */
    readonly origin?: string,
  ) {
    const owner = poolName === undefined ? scope : `gRPC pool ${poolLabel(poolName)}`;
    const from = origin === undefined ? '' : `${origin}: `;
    super(`Invalid options for ${owner}: ${from}${field} ${rule}`);
  }
}
