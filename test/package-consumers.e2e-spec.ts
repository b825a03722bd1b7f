import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEchoServer, type EchoServer } from './support/echo-server.js';
import { ECHO_PROTO } from './support/protos.js';

const run = promisify(execFile);
const consumer = (file: string): string =>
  fileURLToPath(new URL(`./fixtures/consumers/${file}`, import.meta.url));
const builtEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/**
 * The published package (dist/, through the exports map) loaded by name from
 * a CommonJS app (require(esm)) and from an ES-module app, each in its own
 * Node process, the way users load it.
 */
describe('the built package in CommonJS and ESM Nest apps', () => {
  let server: EchoServer;

  beforeAll(async () => {
    if (!existsSync(builtEntry))
      throw new Error('dist/ is missing: `npm test` builds it first (pretest)');
    server = await startEchoServer();
  });
  afterAll(async () => server.close());

  it.each([
    ['commonjs-app.cjs', 'from commonjs'],
    ['esm-app.mjs', 'from esm'],
  ])('%s calls through the pool and exits after app.close()', async (file, expected) => {
    const { stdout } = await run(process.execPath, [consumer(file), server.address, ECHO_PROTO], {
      timeout: 20_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(JSON.parse(stdout)).toBe(expected);
  });
});
