import 'reflect-metadata';
import { READY } from '../processes/messages.js';
import { stopWhenAsked } from '../processes/stop-when-asked.js';
import { closeGateway } from './close-gateway.js';
import { createGatewayApp } from './gateway-app.js';
import { startConsoleTracing } from './console-tracing.js';

// Before the app is created: its pools take the global tracer when they are built.
const stopTracing = process.env.OTEL === '1' ? startConsoleTracing() : undefined;
const app = await createGatewayApp(process.env.ORDERS_URL ?? '127.0.0.1:50051');
// Instead of enableShutdownHooks(): start.js decides when the gateway stops (before orders).
stopWhenAsked(async (reason) => {
  await closeGateway(app, reason);
  await stopTracing?.();
});
await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
process.send?.(READY);
