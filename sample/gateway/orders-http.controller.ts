import { Controller, Get, Param, ParseIntPipe, type OnModuleInit } from '@nestjs/common';
import { GrpcPool, GrpcTimeout, InjectGrpcPool } from 'nestjs-grpc-pool';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { Order, OrdersService } from './orders.types.js';

/** Every handler gets 1 s in all for its gRPC calls: past it, 504 and the calls are cancelled. */
@Controller()
@GrpcTimeout(1000)
export class OrdersHttpController implements OnModuleInit {
  private orders!: OrdersService;

  constructor(@InjectGrpcPool('ORDERS') private readonly pool: GrpcPool) {}

  onModuleInit(): void {
    this.orders = this.pool.getService<OrdersService>('OrdersService');
  }

  /** A missing order is a gRPC NOT_FOUND, which GrpcToHttpExceptionFilter answers as a 404. */
  @Get('orders/:id')
  getOrder(@Param('id', ParseIntPipe) id: number): Promise<Order> {
    return firstValueFrom(this.orders.getOrder({ id }));
  }

  @Get('orders')
  listOrders(): Promise<Order[]> {
    return lastValueFrom(this.orders.listOrders({ limit: 0 }).pipe(toArray()));
  }

  @Get('pool')
  stats(): ReturnType<GrpcPool['stats']> {
    return this.pool.stats();
  }
}
