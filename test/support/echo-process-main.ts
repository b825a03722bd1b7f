// An echo server in its own process, so a test can kill it (SIGKILL) the way a backend dies.
import { startEchoServer } from './echo-server.js';

const server = await startEchoServer({ port: Number(process.env.PORT ?? 0) });
process.stdout.write(`${server.address}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
