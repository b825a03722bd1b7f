// An echo server process that starts up, then waits: it binds the port written to its stdin.
// A flapping backend (`sigkill`) keeps one ready, so a restart costs a bind, not a process start.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { startEchoServer } from './echo-server.js';

const lines = createInterface({ input: process.stdin });
// The parent is gone (or done with us): nothing should outlive it.
lines.once('close', () => process.exit(0));
const [line] = (await once(lines, 'line')) as [string];
let server;
// The port's previous owner was just SIGKILLed; give the kernel a moment if it still holds it.
for (let attempt = 1; server === undefined; attempt++) {
  try {
    server = await startEchoServer({ port: Number(line) });
  } catch (error: unknown) {
    if (attempt >= 50) throw error;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
process.stdout.write(`${server.address}\n`);
