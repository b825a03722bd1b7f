import {
  Body,
  Controller,
  Get,
  Param,
  ParseIntPipe,
  Post,
  type OnModuleInit,
} from '@nestjs/common';
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

  /**
   * The orders service checks the order; a bad one comes back as INVALID_ARGUMENT with a
   * google.rpc.BadRequest, which GrpcToHttpExceptionFilter answers as a 400 listing the fields.
   */
  @Post('orders')
  createOrder(@Body() body: { item?: unknown; quantity?: unknown }): Promise<Order> {
    const item = typeof body?.item === 'string' ? body.item : '';
    const quantity = typeof body?.quantity === 'number' ? body.quantity : 0;
    return firstValueFrom(this.orders.createOrder({ item, quantity }));
  }

  @Get('pool')
  stats(): ReturnType<GrpcPool['stats']> {
    return this.pool.stats();
  }
}
