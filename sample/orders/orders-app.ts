import { Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import {
  HEALTH_PACKAGE,
  HEALTH_PROTO,
  ORDERS_PACKAGE,
  ORDERS_PROTO,
} from '../protos/proto-path.js';
import { HealthController } from './health.controller.js';
import { OrdersController } from './orders.controller.js';

@Module({ controllers: [OrdersController, HealthController] })
class OrdersModule {}

/** The orders service: a plain Nest gRPC microservice, listening on `url` once `listen()` is called. */
export function createOrdersApp(url: string): Promise<INestMicroservice> {
  return NestFactory.createMicroservice<MicroserviceOptions>(OrdersModule, {
    transport: Transport.GRPC,
    options: {
      url,
      package: [ORDERS_PACKAGE, HEALTH_PACKAGE],
      protoPath: [ORDERS_PROTO, HEALTH_PROTO],
      // As common proxies do: at most 100 calls at once on one connection.
      channelOptions: { 'grpc.max_concurrent_streams': 100 },
    },
    logger: ['log', 'warn', 'error'],
  });
}
