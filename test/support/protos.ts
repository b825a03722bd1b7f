import { fileURLToPath } from 'node:url';

/** The proto the end-to-end tests use. */
export const ECHO_PROTO = fileURLToPath(new URL('../fixtures/echo.proto', import.meta.url));
export const ECHO_PACKAGE = 'test.v1';
