import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { ORDERS_PACKAGE, ORDERS_PROTO } from '../protos/proto-path.js';
import { OrdersController } from './orders.controller.js';

@Module({ controllers: [OrdersController] })
class OrdersModule {}

const url = process.env.ORDERS_URL ?? '127.0.0.1:50051';
const app = await NestFactory.createMicroservice<MicroserviceOptions>(OrdersModule, {
  transport: Transport.GRPC,
  options: {
    url,
    package: ORDERS_PACKAGE,
    protoPath: ORDERS_PROTO,
    // As common proxies do: at most 100 calls at once on one connection.
    channelOptions: { 'grpc.max_concurrent_streams': 100 },
  },
});
app.enableShutdownHooks();
await app.listen();
process.send?.('ready');
