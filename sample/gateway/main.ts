import 'reflect-metadata';
import { listenOrExplain } from '../processes/listen-or-explain.js';
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
const port = Number(process.env.PORT ?? 3000);
const target = {
  name: 'the gateway',
  address: `127.0.0.1:${port}`,
  variable: 'PORT',
  example: String(port + 1),
};
const close = async (): Promise<void> => {
  await app.close();
  await stopTracing?.();
};
const listening = await listenOrExplain(target, () => app.listen(port, '127.0.0.1'), close);
if (listening) process.send?.(READY);
