import 'reflect-metadata';
import { createGatewayApp } from './gateway-app.js';

const app = await createGatewayApp(process.env.ORDERS_URL ?? '127.0.0.1:50051');
// SIGTERM / Ctrl-C: requests in flight finish, then the pool drains and closes.
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
process.send?.('ready');
