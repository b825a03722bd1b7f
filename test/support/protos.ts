import { fileURLToPath } from 'node:url';

/** The proto the end-to-end tests use. */
export const ECHO_PROTO = fileURLToPath(new URL('../fixtures/echo.proto', import.meta.url));
export const ECHO_PACKAGE = 'test.v1';

/** The standard grpc.health.v1 service (the sample's copy), which the echo server also serves. */
export const HEALTH_PROTO = fileURLToPath(
  new URL('../../sample/protos/health.proto', import.meta.url),
);
