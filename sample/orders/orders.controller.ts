import { Controller } from '@nestjs/common';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { status } from '@grpc/grpc-js';
import { Observable, from } from 'rxjs';
import { grpcStatusError } from 'nestjs-grpc-pool';

export interface Order {
  id: number;
  item: string;
  quantity: number;
}

const MENU = ['coffee', 'tea', 'cake', 'bagel'];

const ORDERS: Order[] = Array.from({ length: 20 }, (_, i) => ({
  id: i + 1,
  item: MENU[i % 4],
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

  /** A bad request names every bad field, in the standard google.rpc.BadRequest detail. */
  @GrpcMethod('OrdersService', 'CreateOrder')
  createOrder({ item, quantity }: { item: string; quantity: number }): Order {
    const fieldViolations = [];
    if (!MENU.includes(item)) {
      fieldViolations.push({ field: 'item', description: `must be one of ${MENU.join(', ')}` });
    }
    if (!(quantity >= 1 && quantity <= 10)) {
      fieldViolations.push({ field: 'quantity', description: 'must be from 1 to 10' });
    }
    if (fieldViolations.length > 0) {
      throw new RpcException(
        grpcStatusError({
          code: status.INVALID_ARGUMENT,
          message: 'invalid order',
          details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations }],
        }),
      );
    }
    const order = { id: ORDERS.length + 1, item, quantity };
    ORDERS.push(order);
    return order;
  }

  @GrpcMethod('OrdersService', 'ListOrders')
  listOrders({ limit }: { limit: number }): Observable<Order> {
    return from(ORDERS.slice(0, limit > 0 ? limit : ORDERS.length));
  }
}
