import { Module, type DynamicModule, type INestApplication, type LogLevel } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  GrpcPoolModule,
  GrpcTimeoutInterceptor,
  GrpcToHttpExceptionFilter,
} from 'nestjs-grpc-pool';
import { ORDERS_PACKAGE, ORDERS_PROTO } from '../protos/proto-path.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { OrdersHttpController } from './orders-http.controller.js';

@Module({})
class GatewayModule {
  /** The gateway, its pool pointed at the orders service on `ordersUrl`. */
  static forOrders(ordersUrl: string): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        GrpcPoolModule.register({
          // grpc_client_* and grpc_pool_* in prom-client's default registry, served on /metrics.
          prometheus: true,
          clients: [
            {
              name: 'ORDERS',
              package: ORDERS_PACKAGE,
              protoPath: ORDERS_PROTO,
              url: ordersUrl,
              pool: { minChannels: 2, maxChannels: 4, maxConcurrentCallsPerChannel: 100 },
              defaultCallOptions: { timeoutMs: 2000 },
            },
          ],
        }),
      ],
      controllers: [OrdersHttpController, HealthController, MetricsController],
      providers: [
        // gRPC failures become HTTP answers: NOT_FOUND -> 404, UNAVAILABLE -> 503, ...
        { provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter },
        // Gives handlers marked @GrpcTimeout a budget that their pool calls share.
        { provide: APP_INTERCEPTOR, useClass: GrpcTimeoutInterceptor },
      ],
    };
  }
}

/** The HTTP gateway (express), not yet listening. */
export function createGatewayApp(
  ordersUrl: string,
  logger: LogLevel[] | false = ['log', 'warn', 'error'],
): Promise<INestApplication> {
  return NestFactory.create(GatewayModule.forOrders(ordersUrl), { logger });
}
