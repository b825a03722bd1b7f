import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import { join } from 'node:path';

const url = process.env.ORDERS_URL ?? '127.0.0.1:50051';
const proto = loadSync(join(import.meta.dirname, '..', 'orders.proto'));
const items: Record<number, string> = { 1: 'coffee beans', 2: 'green tea' };

const server = new Server();
server.addService(proto['orders.v1.OrdersService'] as ServiceDefinition, {
  GetOrder(call: ServerUnaryCall<{ id: number }, object>, callback: sendUnaryData<object>) {
    const { id } = call.request;
    if (items[id]) callback(null, { id, item: items[id] });
    else callback({ code: status.NOT_FOUND, details: `order ${id} not found` });
  },
});
new HealthImplementation({ '': 'SERVING' }).addToServer(server);

server.bindAsync(url, ServerCredentials.createInsecure(), (error) => {
  if (error)
    throw new Error(`cannot listen on ${url} (set ORDERS_URL to move it)`, { cause: error });
  console.log(`orders backend listening on ${url}`);
});
