// An echo server whose port can die and come back without the process restarting:
// on "down" every connection to PORT is reset and the port refuses connections,
// as when a backend is SIGKILLed; on "up" it accepts again. A real restart costs
// ~0.8 s of CPU (a Node process loading grpc-js), which on a small machine would
// starve the callers whose deadlines a flapping test measures.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { startEchoServer } from './echo-server.js';

const echo = await startEchoServer();
const port = Number(process.env.PORT);
const connections = new Set<{ client: Socket; upstream: Socket }>();

function front(): Server {
  return createServer((client) => {
    const upstream = connect(echo.port, '127.0.0.1');
    const pair = { client, upstream };
    connections.add(pair);
    client.pipe(upstream).pipe(client);
    const end = (): void => {
      connections.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  });
}

async function listen(): Promise<Server> {
  const server = front();
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

let listener: Server | undefined = await listen();
process.stdout.write(`127.0.0.1:${port}\n`);

const lines = createInterface({ input: process.stdin });
// The parent is gone (or done with us): nothing should outlive it.
lines.once('close', () => process.exit(0));
for await (const command of lines) {
  if (command === 'down' && listener) {
    listener.close();
    listener = undefined;
    for (const { client, upstream } of connections) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    connections.clear();
  } else if (command === 'up' && !listener) {
    listener = await listen();
  }
  process.stdout.write(`${command}\n`);
}
