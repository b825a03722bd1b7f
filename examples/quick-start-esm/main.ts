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

@Controller('orders')
class OrdersController {
  private readonly orders: OrdersService;

  constructor(@InjectGrpcPool('ORDERS') pool: GrpcPool) {
    this.orders = pool.getService<OrdersService>('OrdersService');
  }

  @Get(':id')
  getOrder(@Param('id', ParseIntPipe) id: number) {
    return firstValueFrom(this.orders.getOrder({ id }));
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly grpc: GrpcPoolHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    // remote: also asks the backend's grpc.health.v1 service; 503 unless it answers SERVING.
    return this.health.check([() => this.grpc.isHealthy('ORDERS', { remote: true })]);
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
          // From this file's folder (dist/), so the app starts from any working directory.
          protoPath: join(import.meta.dirname, '..', 'orders.proto'),
          url: process.env.ORDERS_URL ?? '127.0.0.1:50051',
          pool: { maxChannels: 4 },
          defaultCallOptions: { timeoutMs: 2000 },
        },
      ],
    }),
  ],
  controllers: [OrdersController, HealthController],
  // gRPC failures become HTTP answers: NOT_FOUND is a 404, UNAVAILABLE a 503 (not a 500).
  providers: [{ provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter }],
})
class AppModule {}

const app = await NestFactory.create(AppModule);
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000));
