import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { GrpcPoolError } from '../errors/grpc-pool.error.js';
import { poolLabel } from '../errors/pool-label.js';
import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import type {
  GrpcPoolHealthOptions,
  GrpcPoolHealthResult,
} from '../interfaces/health-options.interface.js';
import { isHealthCheckable, type HealthCheckable } from './health-checkable.js';

/**
 * Health of the registered pools, in the shape `@nestjs/terminus` 12's
 * `HealthCheckService.check([...])` takes (`up`, `degraded`, or `down`,
 * which answers 503), without importing terminus:
 *
 * ```ts
 * this.health.check([() => this.grpc.isHealthy('ORDERS', { remote: true })])
 * ```
 * @publicApi
 */
@Injectable()
export class GrpcPoolHealthIndicator {
  constructor(private readonly moduleRef: ModuleRef) {}

  /** The health of the pool registered as `name`; see `GrpcPool.checkHealth`. */
  async isHealthy(
    name: GrpcPoolName,
    options?: GrpcPoolHealthOptions,
  ): Promise<GrpcPoolHealthResult> {
    return this.poolNamed(name).checkHealth(options);
  }

  private poolNamed(name: GrpcPoolName): HealthCheckable {
    let found: unknown;
    try {
      found = this.moduleRef.get(name, { strict: false });
    } catch {
      found = undefined;
    }
    if (!isHealthCheckable(found)) {
      throw new GrpcPoolError(
        `GrpcPoolHealthIndicator: no gRPC pool named ${poolLabel(name)} is registered ` +
          '(pass the name given to GrpcPoolModule.register or registerAsync)',
      );
    }
    return found;
  }
}
