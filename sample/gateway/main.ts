import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { APP_FILTER } from '@nestjs/core';
import { GrpcPoolModule, GrpcToHttpExceptionFilter } from 'nestjs-grpc-pool';
import { ORDERS_PACKAGE, ORDERS_PROTO } from '../protos/proto-path.js';
import { OrdersHttpController } from './orders-http.controller.js';

@Module({
  imports: [
    GrpcPoolModule.register({
      clients: [
        {
          name: 'ORDERS',
          package: ORDERS_PACKAGE,
          protoPath: ORDERS_PROTO,
          url: process.env.ORDERS_URL ?? '127.0.0.1:50051',
          pool: { minChannels: 2, maxChannels: 4, maxConcurrentCallsPerChannel: 100 },
        },
      ],
    }),
  ],
  controllers: [OrdersHttpController],
  providers: [{ provide: APP_FILTER, useClass: GrpcToHttpExceptionFilter }],
})
class GatewayModule {}

const app = await NestFactory.create(GatewayModule);
app.enableShutdownHooks();
const port = Number(process.env.PORT ?? 3000);
await app.listen(port, '127.0.0.1');
process.send?.('ready');
