import { fileURLToPath } from 'node:url';

/** The sample's proto, read from the source tree so the compiled sample finds it too. */
export const ORDERS_PROTO = fileURLToPath(
  new URL('../../../sample/protos/orders.proto', import.meta.url),
);
export const ORDERS_PACKAGE = 'orders.v1';
