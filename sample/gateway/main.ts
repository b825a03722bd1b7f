import 'reflect-metadata';
import { READY } from '../processes/messages.js';
import { stopWhenAsked } from '../processes/stop-when-asked.js';
import { closeGateway } from './close-gateway.js';
import { createGatewayApp } from './gateway-app.js';

const app = await createGatewayApp(process.env.ORDERS_URL ?? '127.0.0.1:50051');
// Instead of enableShutdownHooks(): start.js decides when the gateway stops (before orders).
stopWhenAsked((reason) => closeGateway(app, reason));
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
process.send?.(READY);
