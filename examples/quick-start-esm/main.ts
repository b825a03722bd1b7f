import 'reflect-metadata';
import { Controller, Get, Module, Param, ParseIntPipe } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import {
  GrpcPool,
  GrpcPoolHealthIndicator,
  GrpcPoolModule,
  GrpcToHttpExceptionFilter,
  InjectGrpcPool,
} from 'nestjs-grpc-pool';
import { join } from 'node:path';
import { firstValueFrom, type Observable } from 'rxjs';

interface OrdersService {
  getOrder(request: { id: number }): Observable<{ id: number; item: string }>;
}

@Controller()
class GatewayController {
  private readonly orders: OrdersService;

  constructor(
    @InjectGrpcPool('ORDERS') pool: GrpcPool,
    private readonly health: HealthCheckService,
    private readonly grpcHealth: GrpcPoolHealthIndicator,
  ) {
    this.orders = pool.getService<OrdersService>('OrdersService');
  }

  @Get('orders/:id')
  getOrder(@Param('id', ParseIntPipe) id: number) {
    return firstValueFrom(this.orders.getOrder({ id }));
  }

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.grpcHealth.isHealthy('ORDERS', { remote: true })]);
  }
}

@Module({
  imports: [
    TerminusModule,
    GrpcPoolModule.register({
      clients: [
        {
          name: 'ORDERS',
          package: 'orders.v1',
          url: process.env.ORDERS_URL ?? '127.0.0.1:50051',
          // From this file's folder (dist/), so the app starts from any working directory.
          protoPath: join(import.meta.dirname, '..', 'orders.proto'),
          pool: { maxChannels: 4 },
          defaultCallOptions: { timeoutMs: 2000 },
        },
      ],
    }),
  ],
  controllers: [GatewayController],
  providers: [{ provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter }],
})
class AppModule {}

const app = await NestFactory.create(AppModule);
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000));
