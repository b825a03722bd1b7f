import { Controller, type BeforeApplicationShutdown } from '@nestjs/common';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { status } from '@grpc/grpc-js';

type ServingStatus = 'SERVING' | 'NOT_SERVING';

/**
 * The standard `grpc.health.v1.Health/Check`, which load balancers, Kubernetes
 * gRPC probes and the gateway's remote health check call. The service stops
 * serving when shutdown begins, so callers drain away before it closes.
 */
@Controller()
export class HealthController implements BeforeApplicationShutdown {
  private readonly statuses = new Map<string, ServingStatus>([
    ['', 'SERVING'],
    ['orders.v1.OrdersService', 'SERVING'],
  ]);

  @GrpcMethod('Health', 'Check')
  check({ service }: { service?: string }): { status: ServingStatus } {
    const servingStatus = this.statuses.get(service ?? '');
    if (servingStatus === undefined) {
      throw new RpcException({ code: status.NOT_FOUND, message: `unknown service ${service}` });
    }
    return { status: servingStatus };
  }

  beforeApplicationShutdown(): void {
    for (const service of this.statuses.keys()) this.statuses.set(service, 'NOT_SERVING');
  }
}
