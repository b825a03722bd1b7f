import type { Metadata } from '@grpc/grpc-js';
import type { GrpcPoolCallOptions } from 'nestjs-grpc-pool';
import type { Observable } from 'rxjs';

export interface Order {
  id: number;
  item: string;
  quantity: number;
}

/** The OrdersService as `getService()` returns it. */
export interface OrdersService {
  getOrder(
    request: { id: number },
    metadata?: Metadata,
    options?: GrpcPoolCallOptions,
  ): Observable<Order>;
  listOrders(request: { limit: number }): Observable<Order>;
  createOrder(request: { item: string; quantity: number }): Observable<Order>;
}
