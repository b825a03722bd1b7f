import { Controller } from '@nestjs/common';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { status } from '@grpc/grpc-js';
import { Observable, from } from 'rxjs';

export interface Order {
  id: number;
  item: string;
  quantity: number;
}

const ORDERS: Order[] = Array.from({ length: 20 }, (_, i) => ({
  id: i + 1,
  item: ['coffee', 'tea', 'cake', 'bagel'][i % 4],
  quantity: (i % 3) + 1,
}));

/** The remote service the gateway calls: a plain Nest gRPC microservice. */
@Controller()
export class OrdersController {
  @GrpcMethod('OrdersService', 'GetOrder')
  getOrder({ id }: { id: number }): Order {
    const order = ORDERS.find((o) => o.id === id);
    if (!order)
      throw new RpcException({ code: status.NOT_FOUND, message: `order ${id} not found` });
    return order;
  }

  @GrpcMethod('OrdersService', 'ListOrders')
  listOrders({ limit }: { limit: number }): Observable<Order> {
    return from(ORDERS.slice(0, limit > 0 ? limit : ORDERS.length));
  }
}
