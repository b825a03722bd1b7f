import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
// Compiled, this file runs from dist-sample/sample/protos/; the .proto files stay in the source tree.
const protos = here.includes(`${sep}dist-sample${sep}`)
  ? join(here, '../../../sample/protos')
  : here;

export const ORDERS_PROTO = join(protos, 'orders.proto');
export const ORDERS_PACKAGE = 'orders.v1';
export const HEALTH_PROTO = join(protos, 'health.proto');
export const HEALTH_PACKAGE = 'grpc.health.v1';
