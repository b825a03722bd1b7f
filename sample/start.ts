/**
 * `npm start`: runs the orders gRPC service and the HTTP gateway that calls
 * it through the pool, each in its own process, and stops them together.
 *
 * Whatever asks for a stop, the gateway stops first (its requests finish, its
 * pool drains), then orders: a SIGTERM or SIGINT to this process or to either
 * child (a child passes it up), this process's parent going away (npm killed
 * without passing the signal on), or a child exiting on its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { READY, isStopAllRequest, type StopOrder } from './processes/messages.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const port = Number(process.env.PORT ?? 3000);
const ordersUrl = process.env.ORDERS_URL ?? '127.0.0.1:50051';
const children: { name: string; process: ChildProcess }[] = [];
let stopping: Promise<void> | undefined;

function start(name: string, script: string): Promise<ChildProcess> {
  const child = fork(here(script), { env: { ...process.env, ORDERS_URL: ordersUrl } });
  children.push({ name, process: child });
  child.on('message', (message: unknown) => {
    if (isStopAllRequest(message)) void stopAll(`${message.stopAll} to ${name}`);
  });
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${name} exited (${signal ?? `code ${code}`}): stopping the others`);
    process.exitCode = 1;
    void stopAll(`${name} exited`);
  });
  return new Promise((resolve, reject) => {
    child.on('message', (message: unknown) => message === READY && resolve(child));
    child.once('exit', () => reject(new Error(`${name} exited before it was ready`)));
  });
}

/** Asks the child to stop over IPC (SIGTERM if it has no channel), then SIGKILL after 15 s. */
function stop(child: ChildProcess, reason: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    const order: StopOrder = { stop: reason };
    if (!child.connected) child.kill('SIGTERM');
    else child.send(order, (error) => error && child.kill('SIGTERM'));
  });
}

function stopAll(reason: string): Promise<void> {
  stopping ??= (async () => {
    clearInterval(parentWatch);
    console.log(`Stopping (${reason}): the gateway first, then orders`);
    // Reverse start order: the gateway goes first, so orders outlives the calls to it.
    for (const { process: child } of [...children].reverse()) await stop(child, reason);
  })();
  return stopping;
}

// No signal reaches this process if its parent dies without passing one on
// (npm SIGKILLed, or an npm that does not forward): the parent changes instead.
const parent = process.ppid;
const parentWatch = setInterval(() => {
  if (process.ppid !== parent) void stopAll('the parent process is gone');
}, 500).unref();

process.on('SIGINT', () => void stopAll('SIGINT to start.js'));
process.on('SIGTERM', () => void stopAll('SIGTERM to start.js'));

try {
  const orders = await start('orders', './orders/main.js');
  const gateway = await start('gateway', './gateway/main.js');
  console.log(`
The sample is running: orders (gRPC) on ${ordersUrl} and the gateway (HTTP) on port ${port}. Try:
  curl localhost:${port}/orders/1
  curl localhost:${port}/orders
  curl localhost:${port}/health
  curl localhost:${port}/pool
  curl localhost:${port}/metrics   (Prometheus; OTEL=1 npm start also prints each call's span)
Ctrl-C, or SIGTERM to any of these processes, stops them all, the gateway first.
pids: start.js ${process.pid}, orders ${orders.pid}, gateway ${gateway.pid}`);
} catch (error: unknown) {
  if (!stopping) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
    await stopAll('start-up failed');
  }
}
