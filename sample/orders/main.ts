import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { READY } from '../processes/messages.js';
import { stopWhenAsked } from '../processes/stop-when-asked.js';
import { createOrdersApp } from './orders-app.js';

const app = await createOrdersApp(process.env.ORDERS_URL ?? '127.0.0.1:50051');
// Instead of enableShutdownHooks(): start.js decides when orders stops (after the gateway).
stopWhenAsked(async (reason) => {
  new Logger('Shutdown').log(`Stopping (${reason})`);
  await app.close();
});
await app.listen();
process.send?.(READY);
