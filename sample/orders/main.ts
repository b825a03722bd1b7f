import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { listenOrExplain } from '../processes/listen-or-explain.js';
import { READY } from '../processes/messages.js';
import { stopWhenAsked } from '../processes/stop-when-asked.js';
import { createOrdersApp } from './orders-app.js';

const url = process.env.ORDERS_URL ?? '127.0.0.1:50051';
const app = await createOrdersApp(url);
// Instead of enableShutdownHooks(): start.js decides when orders stops (after the gateway).
stopWhenAsked(async (reason) => {
  new Logger('Shutdown').log(`Stopping (${reason})`);
  await app.close();
});
const target = { name: 'orders', address: url, variable: 'ORDERS_URL', example: '127.0.0.1:50052' };
const listening = await listenOrExplain(
  target,
  () => app.listen(),
  () => app.close(),
);
if (listening) process.send?.(READY);
