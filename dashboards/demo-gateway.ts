import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import {
  GrpcPoolModule,
  GrpcTimeoutInterceptor,
  GrpcToHttpExceptionFilter,
} from 'nestjs-grpc-pool';
import { MetricsController } from '../sample/gateway/metrics.controller.js';
import { OrdersHttpController } from '../sample/gateway/orders-http.controller.js';
import { ORDERS_PACKAGE, ORDERS_PROTO } from '../sample/protos/proto-path.js';
import { DEMO_POOL } from './demo-pool.js';

@Module({})
class DemoGatewayModule {
  /** The sample gateway's module (`sample/gateway/gateway-app.ts`) with `DEMO_POOL` as its pool, without /health. */
  static forOrders(ordersUrl: string): DynamicModule {
    return {
      module: DemoGatewayModule,
      imports: [
        GrpcPoolModule.register({
          prometheus: true,
          clients: [
            {
              name: 'ORDERS',
              package: ORDERS_PACKAGE,
              protoPath: ORDERS_PROTO,
              url: ordersUrl,
              pool: DEMO_POOL,
              defaultCallOptions: { timeoutMs: 2000 },
            },
          ],
        }),
      ],
      // Not the sample's HealthController: it injects by type, and tsx emits no
      // decorator metadata to inject from. The load does not call /health.
      controllers: [OrdersHttpController, MetricsController],
      providers: [
        { provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: GrpcTimeoutInterceptor },
      ],
    };
  }
}

/** The sample's HTTP gateway (its orders and metrics controllers) calling orders through `DEMO_POOL`. */
export function createDemoGatewayApp(ordersUrl: string): Promise<INestApplication> {
  return NestFactory.create(DemoGatewayModule.forOrders(ordersUrl), { logger: ['warn', 'error'] });
}
