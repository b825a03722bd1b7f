/**
 * `npm start`: runs the orders gRPC service and the HTTP gateway that calls
 * it through the pool, each in its own process, and stops both on Ctrl-C or
 * SIGTERM.
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

function stopAll(signal: NodeJS.Signals): void {
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}

process.on('SIGINT', () => stopAll('SIGTERM'));
process.on('SIGTERM', () => stopAll('SIGTERM'));

try {
  await start('./orders/main.js');
  await start('./gateway/main.js');
  console.log(`
The sample is running: orders (gRPC) and the gateway (HTTP) on port ${port}. Try:
  curl localhost:${port}/orders/1
  curl localhost:${port}/orders
  curl localhost:${port}/pool
  curl localhost:${port}/health
Ctrl-C stops both.`);
} catch (error: unknown) {
  console.error(error instanceof Error ? error.message : error);
  stopAll('SIGTERM');
  process.exitCode = 1;
}
