import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { GrpcPoolHealthIndicator } from 'nestjs-grpc-pool';

/** `GET /health`: 200 while the orders service is reachable and serving, 503 when it is not. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly grpc: GrpcPoolHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () =>
        this.grpc.isHealthy('ORDERS', {
          key: 'orders',
          remote: { service: 'orders.v1.OrdersService' },
          timeoutMs: 500,
        }),
    ]);
  }
}
