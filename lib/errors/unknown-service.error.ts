import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import { GrpcPoolError } from './grpc-pool.error.js';
import { poolLabel } from './pool-label.js';

/**
 * `getService(name)` asked for a service the loaded packages do not define.
 * @publicApi
 */
export class GrpcUnknownServiceError extends GrpcPoolError {
  constructor(
    readonly poolName: GrpcPoolName,
    readonly serviceName: string,
    readonly knownServices: readonly string[],
  ) {
    const known = knownServices.length > 0 ? knownServices.join(', ') : '(none)';
    super(
      `gRPC pool ${poolLabel(poolName)} has no service "${serviceName}"; ` +
        `the loaded packages define: ${known}`,
    );
  }
}
