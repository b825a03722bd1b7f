import 'reflect-metadata';
import { createOrdersApp } from './orders-app.js';

const app = await createOrdersApp(process.env.ORDERS_URL ?? '127.0.0.1:50051');
app.enableShutdownHooks();
await app.listen();
process.send?.('ready');
