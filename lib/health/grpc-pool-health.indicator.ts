import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { GrpcPoolError } from '../errors/grpc-pool.error.js';
import { poolLabel } from '../errors/pool-label.js';
import type { GrpcPoolName } from '../interfaces/client-options.interface.js';
import type {
  GrpcPoolHealthOptions,
  GrpcPoolIndicatorResult,
} from '../interfaces/health-options.interface.js';
import { isHealthCheckable, type HealthCheckable } from './health-checkable.js';
import { terminusHasDegraded } from './terminus-statuses.js';

/**
 * Health of the registered pools, in the shape `@nestjs/terminus`'s
 * `HealthCheckService.check([...])` takes (11 and 12), without importing
 * terminus for its types: `up`, `down` (which answers 503), and for a pool
 * where some channels fail, `degraded` on terminus 12 (200) or `up` with
 * `state: 'degraded'` on terminus 11, which has no degraded status
 * (`degradedAs` chooses otherwise):
 *
 * ```ts
 * this.health.check([() => this.grpc.isHealthy('ORDERS', { remote: true })])
 * ```
 * @publicApi
 */
@Injectable()
export class GrpcPoolHealthIndicator {
  /** Whether the installed terminus has a degraded status; read once, on the first check. */
  private degradedKnown?: boolean;

  constructor(private readonly moduleRef: ModuleRef) {}

  /** The health of the pool registered as `name`; see `GrpcPool.checkHealth`. */
  async isHealthy(
    name: GrpcPoolName,
    options?: GrpcPoolHealthOptions,
  ): Promise<GrpcPoolIndicatorResult> {
    const pool = this.poolNamed(name);
    if (options?.degradedAs !== undefined) return pool.checkHealth(options);
    this.degradedKnown ??= terminusHasDegraded();
    // Terminus 11 would drop a degraded pool from its answer: report it as up, with its details.
    return pool.checkHealth(
      (await this.degradedKnown) ? options : { ...options, degradedAs: 'up' },
    );
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
