import { fileURLToPath } from 'node:url';

/** The benchmark reuses the tests' echo proto. */
export const BENCH_PROTO = fileURLToPath(new URL('../test/fixtures/echo.proto', import.meta.url));
export const BENCH_PACKAGE = 'test.v1';
