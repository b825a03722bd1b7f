/**
 * `npm start`: runs the orders gRPC service and the HTTP gateway that calls
 * it through the pool, each in its own process. Ctrl-C or SIGTERM stops the
 * gateway first (its requests finish, its pool drains), then orders.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const port = Number(process.env.PORT ?? 3000);
const children: ChildProcess[] = [];

function start(script: string): Promise<ChildProcess> {
  const child = fork(here(script), { env: process.env });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) =>
      reject(new Error(`${script} exited with code ${code} before it was ready`)),
    );
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 15 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

let stopping = false;
async function stopAll(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The gateway (started last) goes first, so orders outlives the calls to it.
  for (const child of [...children].reverse()) await stop(child);
}

process.on('SIGINT', () => void stopAll());
process.on('SIGTERM', () => void stopAll());

try {
  await start('./orders/main.js');
  await start('./gateway/main.js');
  console.log(`
The sample is running: orders (gRPC) and the gateway (HTTP) on port ${port}. Try:
  curl localhost:${port}/orders/1
  curl localhost:${port}/orders
  curl localhost:${port}/health
  curl localhost:${port}/pool
Ctrl-C stops both.`);
} catch (error: unknown) {
  console.error(error instanceof Error ? error.message : error);
  await stopAll();
  process.exitCode = 1;
}
