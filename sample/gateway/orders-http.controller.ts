import {
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseIntPipe,
  type OnModuleInit,
} from '@nestjs/common';
import { status, type ServiceError } from '@grpc/grpc-js';
import { GrpcPool, InjectGrpcPool } from 'nestjs-grpc-pool';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import type { Order, OrdersService } from './orders.types.js';

@Controller()
export class OrdersHttpController implements OnModuleInit {
  private orders!: OrdersService;

  constructor(@InjectGrpcPool('ORDERS') private readonly pool: GrpcPool) {}

  onModuleInit(): void {
    this.orders = this.pool.getService<OrdersService>('OrdersService');
  }

  @Get('orders/:id')
  async getOrder(@Param('id', ParseIntPipe) id: number): Promise<Order> {
    try {
      return await firstValueFrom(this.orders.getOrder({ id }, undefined, { timeoutMs: 1000 }));
    } catch (error: unknown) {
      if ((error as ServiceError).code === status.NOT_FOUND)
        throw new NotFoundException((error as ServiceError).details);
      throw error;
    }
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
