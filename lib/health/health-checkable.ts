import type {
  GrpcPoolHealthOptions,
  GrpcPoolHealthResult,
} from '../interfaces/health-options.interface.js';

/**
 * What the health indicator needs of a registered pool: `GrpcPool` is one.
 * Health sits below the client, so it names this, not the class.
 */
export interface HealthCheckable {
  checkHealth(options?: GrpcPoolHealthOptions): Promise<GrpcPoolHealthResult>;
}

/** True for a provider the health indicator can ask. */
export function isHealthCheckable(value: unknown): value is HealthCheckable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<HealthCheckable>).checkHealth === 'function'
  );
}
